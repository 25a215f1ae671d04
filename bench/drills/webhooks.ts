import { SENDER } from "../src/lib/dns.js";
import { log, sleep, waitFor } from "../src/lib/env.js";
import { api, createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom, type Tenant } from "../src/lib/mailroom.js";
import { plainMessage } from "../src/lib/messages.js";
import { sendPool } from "../src/lib/smtp-client.js";
import { startWebhookReceiver } from "../src/lib/webhook-receiver.js";
import { drillStore } from "./common.js";
import type { DrillContext, DrillResult } from "./run.js";

const WEBHOOK_ENV = { MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true" };

/** Every page of a cursor-paged list, through the API (works on PGlite while the server runs). */
async function allPages<T>(server: Mailroom, key: string, path: string, key_: "events" | "messages"): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res: { status: number; json: Record<string, unknown> } = await api(
      server.url,
      key,
      "GET",
      `${path}${sep}limit=100${cursor ? `&cursor=${cursor}` : ""}`,
    );
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    out.push(...(res.json[key_] as T[]));
    cursor = (res.json.next_cursor as string | null) ?? null;
  } while (cursor);
  return out;
}

/**
 * Webhooks under SIGKILL: a client sends `count` messages over 20 kept connections while one
 * endpoint receives message.received events; the server is SIGKILLed once a random share has been
 * acknowledged and started again on the same ports. Afterwards every stored message must have its
 * message.received event (the outbox), and the endpoint must get every one of those events
 * (at least once; duplicates are counted and reported).
 */
export async function webhooksKill(ctx: DrillContext, kind: "postgres" | "pglite"): Promise<DrillResult> {
  const store = await drillStore(kind);
  const name = `webhooks SIGKILL (${store.label})`;
  const receiver = await startWebhookReceiver();
  let server: Mailroom | undefined;
  try {
    server = await startMailroom({ store: store.store, dns: ctx.dns, greetPauseMs: 0, env: WEBHOOK_ENV });
    const tenant: Tenant = await createTenantWithMailbox(server.url);
    if (!(await smtpAvailable(server.ports.smtp))) return { name, status: "not available yet", detail: "MX receiver" };
    const hook = await api<{ id: string }>(server.url, tenant.apiKey, "POST", "/webhooks", {
      url: receiver.url,
      events: ["message.received"],
    });
    if (hook.status !== 201) return { name, status: "not available yet", detail: `POST /webhooks: ${hook.status}` };

    const count = Math.min(ctx.messages, Number(process.env.DRILL_WEBHOOK_MESSAGES ?? 2000));
    const prefix = `<whdrill-${Date.now()}-`;
    const killAt = Math.floor(count * (0.1 + Math.random() * 0.8));
    let acked = 0;
    let killed: Promise<void> | undefined;
    const ports = server.ports;
    const first = server;
    const restart = async () => {
      await first.stop("SIGKILL");
      log(`  ${name}: SIGKILL after ${acked} acknowledged, ${receiver.seen.size} events received; restarting`);
      server = await startMailroom({ store: store.store, dns: ctx.dns, greetPauseMs: 0, ports, env: WEBHOOK_ENV });
    };
    await sendPool({
      port: ports.smtp,
      connections: 20,
      count,
      retryUntil: Date.now() + 180_000,
      message: (i) => ({
        from: SENDER,
        to: [tenant.address],
        raw: plainMessage(i, { from: SENDER, to: tenant.address, messageId: `${prefix}${i}@sender.bench.test>`, size: 2048 }),
      }),
      onReply: (_i, reply) => {
        if (reply.code === 250) acked++;
        if (acked >= killAt && !killed) killed = restart();
      },
    });
    await killed;
    const live = server!;
    const stored = await allPages<{ id: string }>(live, tenant.apiKey, `/inbox/${tenant.mailboxId}`, "messages");
    const received = await allPages<{ id: string; data: { message_id: string } }>(
      live,
      tenant.apiKey,
      "/events?type=message.received",
      "events",
    );
    const eventOf = new Map(received.map((e) => [e.data.message_id, e.id]));
    const withoutEvent = stored.filter((m) => !eventOf.has(m.id)).length;
    const expected = stored.map((m) => eventOf.get(m.id)).filter((id): id is string => id !== undefined);
    // A killed worker's claims wait out their lease before another attempt.
    const deadline = Number(process.env.DRILL_WEBHOOK_WAIT_S ?? 300) * 1000;
    await waitFor("every event at the endpoint", async () => expected.every((id) => receiver.seen.has(id)), deadline, 250).catch(
      () => undefined,
    );
    await sleep(500);
    const undelivered = expected.filter((id) => !receiver.seen.has(id)).length;
    const duplicates = [...receiver.seen.values()].reduce((n, times) => n + Math.max(0, times - 1), 0);
    const pass = killed !== undefined && acked >= count && withoutEvent === 0 && undelivered === 0;
    return {
      name,
      status: pass ? "passed" : "failed",
      detail:
        `killed after ${killAt}; ${acked} acknowledged, ${stored.length} stored, ${withoutEvent} without an event, ` +
        `${expected.length - undelivered}/${expected.length} events delivered, ${duplicates} duplicates`,
    };
  } finally {
    await server?.stop("SIGKILL");
    await receiver.stop();
    await store.dispose();
  }
}
