import { SENDER } from "../src/lib/dns.js";
import { log, sleep } from "../src/lib/env.js";
import { createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom } from "../src/lib/mailroom.js";
import { plainMessage } from "../src/lib/messages.js";
import { run as runCommand } from "../src/lib/processes.js";
import { SmtpClient, onTheWire, sendPool } from "../src/lib/smtp-client.js";
import { describeVerdict, drillStore, verify } from "./common.js";
import type { DrillContext, DrillResult } from "./run.js";

/** Restarts the machine's PostgreSQL cluster. Only this drill does it, never a test. */
export const PG_RESTART =
  process.env.DRILL_PG_RESTART ?? "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart";

/**
 * PostgreSQL restarted during an inbound run: senders may see 4xx (and retry), never a 250 for a
 * message that is then missing; the server recovers without a restart of its own (same process,
 * healthy, a new message gets 250).
 */
export async function pgRestart(ctx: DrillContext): Promise<DrillResult> {
  const store = await drillStore("postgres");
  const name = "PostgreSQL restart under inbound load";
  let server: Mailroom | undefined;
  try {
    server = await startMailroom({ store: store.store, dns: ctx.dns, greetPauseMs: 0 });
    const { address } = await createTenantWithMailbox(server.url);
    if (!(await smtpAvailable(server.ports.smtp))) return { name, status: "not available yet", detail: "MX receiver" };
    const count = ctx.messages;
    const prefix = `<pgrestart-${Date.now()}-`;
    const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}@sender.bench.test>`);
    const sent = ids.map((id, i) => plainMessage(i, { from: SENDER, to: address, messageId: id, size: 2048 }));
    const acked: boolean[] = new Array(count).fill(false);
    let ackCount = 0;
    let tempFailures = 0;
    let restarted: Promise<void> | undefined;
    const restartAt = Math.floor(count * (0.2 + Math.random() * 0.3));
    const pool = sendPool({
      port: server.ports.smtp,
      connections: 20,
      count,
      retryUntil: Date.now() + 180_000,
      message: (i) => ({ from: SENDER, to: [address], raw: sent[i]! }),
      onReply: (i, reply) => {
        if (reply.code === 250) {
          acked[i] = true;
          ackCount++;
        } else if (reply.code >= 400 && reply.code < 500) tempFailures++;
        if (ackCount >= restartAt && !restarted) {
          log(`  restarting PostgreSQL after ${ackCount} acknowledged: ${PG_RESTART}`);
          restarted = runCommand("bash", ["-c", PG_RESTART], { timeoutMs: 120_000 }).then((r) => {
            if (r.code !== 0) throw new Error(`restart failed (${r.code}): ${r.stderr.trim()}`);
            log("  PostgreSQL is back");
          });
        }
      },
    });
    const result = await pool;
    await restarted;
    // Recovery: the same process is healthy and takes a new message.
    const alive = !server.proc.exited();
    let healthy = false;
    let fresh = 0;
    for (let i = 0; i < 50 && (!healthy || fresh !== 250); i++) {
      healthy = (await fetch(`${server.url}/healthz`).catch(() => undefined))?.status === 200;
      const client = await SmtpClient.open(server.ports.smtp).catch(() => undefined);
      if (client) {
        fresh = (
          await client
            .send(SENDER, [address], plainMessage(0, { from: SENDER, to: address, messageId: `${prefix}fresh@x>` }))
            .catch(() => ({ code: 0 }))
        ).code;
        await client.quit();
      }
      if (!healthy || fresh !== 250) await sleep(500);
    }
    const verdict = verify(sent.map(onTheWire), ids, acked, await store.storedRaw(prefix));
    const pass = verdict.missing === 0 && verdict.mismatched === 0 && alive && healthy && fresh === 250;
    return {
      name,
      status: pass ? "passed" : "failed",
      detail: `${tempFailures} temporary (4xx) replies; ${describeVerdict(verdict)}; server ${alive ? "kept running" : "EXITED"}, healthy ${healthy}, new message ${fresh}; ${result.seconds.toFixed(1)} s`,
    };
  } finally {
    await server?.stop();
    await store.dispose().catch(() => undefined);
  }
}
