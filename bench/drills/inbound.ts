import { SENDER } from "../src/lib/dns.js";
import { log, sleep } from "../src/lib/env.js";
import { createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom } from "../src/lib/mailroom.js";
import { plainMessage } from "../src/lib/messages.js";
import { onTheWire, sendPool } from "../src/lib/smtp-client.js";
import { describeVerdict, drillStore, verify } from "./common.js";
import type { DrillContext, DrillResult } from "./run.js";

/**
 * Inbound SIGKILL: a client sends `count` messages with unique Message-IDs over 20 kept
 * connections, recording each 250; the server is SIGKILLed once a random share (10–90 %) has been
 * acknowledged, then started again on the same ports while the client retries; every acknowledged
 * message must be in the store byte for byte.
 */
export async function inboundKill(ctx: DrillContext, kind: "postgres" | "pglite", run: number): Promise<DrillResult> {
  const store = await drillStore(kind);
  const name = `inbound SIGKILL #${run} (${store.label})`;
  let server: Mailroom | undefined;
  try {
    server = await startMailroom({ store: store.store, dns: ctx.dns, greetPauseMs: 0 });
    const { address } = await createTenantWithMailbox(server.url);
    if (!(await smtpAvailable(server.ports.smtp))) return { name, status: "not available yet", detail: "MX receiver" };

    const count = ctx.messages;
    const prefix = `<drill-${run}-${Date.now()}-`;
    const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}@sender.bench.test>`);
    const sent = ids.map((id, i) => plainMessage(i, { from: SENDER, to: address, messageId: id, size: 2048 }));
    const acked: boolean[] = new Array(count).fill(false);
    const killAt = Math.floor(count * (0.1 + Math.random() * 0.8));
    let ackCount = 0;
    let killed: Promise<void> | undefined;
    const ports = server.ports;
    const first = server;
    const restart = async () => {
      await first.stop("SIGKILL");
      log(`  ${name}: SIGKILL after ${ackCount} acknowledged; restarting`);
      server = await startMailroom({ store: store.store, dns: ctx.dns, greetPauseMs: 0, ports });
    };
    const result = await sendPool({
      port: ports.smtp,
      connections: 20,
      count,
      retryUntil: Date.now() + 180_000,
      message: (i) => ({ from: SENDER, to: [address], raw: sent[i]! }),
      onReply: (i, reply) => {
        if (reply.code === 250) {
          acked[i] = true;
          ackCount++;
        }
        if (ackCount >= killAt && !killed) killed = restart();
      },
    });
    await killed;
    log(`  ${name}: client done in ${result.seconds.toFixed(1)} s`);
    await sleep(200);
    await server?.stop();
    server = undefined;
    const verdict = verify(sent.map(onTheWire), ids, acked, await store.storedRaw(prefix));
    const pass = verdict.missing === 0 && verdict.mismatched === 0 && killed !== undefined;
    return { name, status: pass ? "passed" : "failed", detail: `killed after ${killAt}; ${describeVerdict(verdict)}` };
  } finally {
    await server?.stop("SIGKILL");
    await store.dispose();
  }
}
