import { SENDER } from "../lib/dns.js";
import { log, scaled, waitFor } from "../lib/env.js";
import { api, createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom, type Tenant } from "../lib/mailroom.js";
import { createDatabase } from "../lib/postgres.js";
import { judge, type Row } from "../lib/table.js";
import { smtpSource } from "../lib/tools.js";
import { startWebhookReceiver, type WebhookReceiver } from "../lib/webhook-receiver.js";
import type { BenchContext } from "./context.js";

/** The receiver is on loopback: the server must be allowed to reach it. */
const WEBHOOK_ENV = { MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true" };

async function startFresh(
  ctx: BenchContext,
  label: string,
): Promise<{ server: Mailroom; tenant: Tenant; drop(): Promise<void> }> {
  const db = await createDatabase(label);
  const server = await startMailroom({ store: { kind: "postgres", url: db.url }, dns: ctx.dns.address, env: WEBHOOK_ENV });
  const tenant = await createTenantWithMailbox(server.url, `ev${Date.now() % 100000}`);
  return {
    server,
    tenant,
    drop: async () => {
      await server.stop();
      await db.drop();
    },
  };
}

async function addWebhook(server: Mailroom, tenant: Tenant, receiver: WebhookReceiver): Promise<string> {
  const res = await api<{ id: string }>(server.url, tenant.apiKey, "POST", "/webhooks", {
    url: receiver.url,
    events: ["message.received"],
  });
  if (res.status !== 201) throw new Error(`POST /webhooks: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.id;
}

/** Messages per second the MX takes over 50 kept connections (smtp-source -d -s 50). */
async function intake(server: Mailroom, tenant: Tenant, messages: number): Promise<number | undefined> {
  if (!(await smtpAvailable(server.ports.smtp))) return undefined;
  const r = await smtpSource({
    port: server.ports.smtp,
    sessions: 50,
    messages,
    keepConnections: true,
    from: SENDER,
    to: tenant.address,
  });
  return r.ok ? r.perSecond : undefined;
}

/**
 * Events: (1) webhook deliveries per second to a local receiver — `count` messages are stored
 * first, then one endpoint replays their message.received events, timed until the receiver has
 * every one; (2) the cost of one endpoint on inbound intake, each run on a fresh database.
 */
export async function events(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const count = scaled(10_000, 200);
  const receiver = await startWebhookReceiver();
  try {
    const fresh = await startFresh(ctx, "events_rate");
    try {
      log(`events: storing ${count} messages, then replaying their events to one endpoint`);
      await intake(fresh.server, fresh.tenant, count);
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const hook = await addWebhook(fresh.server, fresh.tenant, receiver);
      const started = performance.now();
      const replay = await api<unknown>(fresh.server.url, fresh.tenant.apiKey, "POST", `/webhooks/${hook}/replay`, { since });
      if (replay.status >= 300) throw new Error(`replay: ${replay.status} ${JSON.stringify(replay.json)}`);
      await receiver.waitForDistinct(count, 600_000);
      const perSecond = count / ((performance.now() - started) / 1000);
      const duplicates = receiver.requests() - receiver.seen.size;
      log(`  ${count} events in ${((performance.now() - started) / 1000).toFixed(1)} s: ${perSecond.toFixed(0)}/s`);
      rows.push({
        benchmark: `webhooks: events delivered per second to one local endpoint (${count} replayed), PostgreSQL`,
        ours: perSecond,
        unit: "events/s",
        target: "≥ 1,000/s",
        status: judge(perSecond, undefined, (o) => o >= 1000),
        note: duplicates > 0 ? `${duplicates} duplicates` : undefined,
      });
    } finally {
      await fresh.drop();
    }

    const m = scaled(20_000, 200);
    const figures: Record<string, number | undefined> = {};
    for (const withHook of [false, true]) {
      const run = await startFresh(ctx, withHook ? "events_with" : "events_without");
      try {
        if (withHook) await addWebhook(run.server, run.tenant, receiver);
        const before = receiver.seen.size;
        figures[String(withHook)] = await intake(run.server, run.tenant, m);
        log(`  intake ${withHook ? "with" : "without"} a webhook: ${figures[String(withHook)]?.toFixed(0)} msgs/s`);
        if (withHook) {
          // The run counts only if every message's event reached the endpoint.
          await waitFor("every event delivered", async () => receiver.seen.size - before >= m, 600_000, 200);
        }
      } finally {
        await run.drop();
      }
    }
    const without = figures.false;
    const withOne = figures.true;
    rows.push({
      benchmark: "inbound intake with one webhook endpoint (-d -s 50), PostgreSQL",
      ours: withOne,
      peer: "same, no endpoint",
      peerValue: without,
      unit: "msgs/s",
      target: "≥ 0.9× without",
      status: judge(withOne, without, (_o, r) => r >= 0.9),
    });
  } finally {
    await receiver.stop();
  }
  return rows;
}
