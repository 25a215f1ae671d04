import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { SMTPServer } from "smtp-server";
import { freePort, log, sleep } from "../src/lib/env.js";
import { createTenantWithMailbox, sendApiAvailable, startMailroom, type Mailroom, type Store } from "../src/lib/mailroom.js";
import { createDatabase, withClient } from "../src/lib/postgres.js";
import { describeRefused, sendLoad } from "../src/lib/send-load.js";
import type { DrillContext, DrillResult } from "./run.js";

/** How long the drill waits, after the restart, for every accepted send to reach the sink. */
const DRAIN_WAIT_MS = Number(process.env.DRILL_OUTBOUND_WAIT_S ?? 720) * 1000;

/**
 * The smarthost: plain smtp-server in this process, accepting everything and recording the token
 * in each message's Subject (`drill-<run>-<i>`), how many times each arrived.
 */
async function recordingSink(): Promise<{
  port: number;
  seen: Map<number, number>;
  total: () => number;
  stop: () => Promise<void>;
}> {
  const seen = new Map<number, number>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const head = Buffer.concat(chunks).toString("latin1", 0, 64 * 1024);
        const token = /^Subject:.*?drill-token-(\d+)\b/im.exec(head);
        if (token) {
          const i = Number(token[1]);
          seen.set(i, (seen.get(i) ?? 0) + 1);
        }
        total++;
        callback();
      });
    },
  });
  // A killed server resets its kept connections: that is the drill working, not a sink failure.
  server.on("error", () => undefined);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, seen, total: () => total, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const QUEUE_QUERY = "select status, count(*)::int as n from deliveries group by status order by status";

/** A store for the drill, and the queue's state by status (read with the server stopped for PGlite). */
async function outboundStore(kind: "postgres" | "pglite") {
  if (kind === "postgres") {
    const db = await createDatabase("drill_out");
    return {
      store: { kind, url: db.url } as Store,
      label: "PostgreSQL",
      queue: () => withClient(db.url, async (c) => (await c.query<{ status: string; n: number }>(QUEUE_QUERY)).rows),
      dispose: () => db.drop(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-drill-out-"));
  return {
    store: { kind, dataDir } as Store,
    label: "PGlite",
    async queue() {
      const pglite = await PGlite.create(join(dataDir, "data"));
      try {
        return (await pglite.query<{ status: string; n: number }>(QUEUE_QUERY)).rows;
      } finally {
        await pglite.close();
      }
    },
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * Outbound SIGKILL: `count` sends through POST /api/v1/send (one remote recipient each, an
 * Idempotency-Key each so the client's retries during the restart are safe), delivered through a
 * recording smtp-server as the smarthost. Once a random share (10–60 %) of them has reached the
 * sink, the server is SIGKILLed and started again on the same database and ports; the client keeps
 * retrying what got no answer. Then wait (bounded) until every send that got a 2xx has reached the
 * sink: each must arrive at least once; duplicates are counted and reported.
 */
export async function outboundKill(ctx: DrillContext, kind: "postgres" | "pglite" = "postgres"): Promise<DrillResult> {
  const store = await outboundStore(kind);
  const name = `outbound SIGKILL (${store.label})`;
  const sink = await recordingSink();
  let server: Mailroom | undefined;
  try {
    const options = { store: store.store, dns: ctx.dns, relayUrl: `smtp://127.0.0.1:${sink.port}` };
    server = await startMailroom(options);
    const tenant = await createTenantWithMailbox(server.url);
    if (!(await sendApiAvailable(server.url, tenant.apiKey))) {
      return { name, status: "not available yet", detail: "POST /api/v1/send and the delivery worker" };
    }
    const count = Math.max(50, Math.round(ctx.messages / 2)); // 5,000 at the default DRILL_MESSAGES=10000
    const run = Date.now();
    const killAt = Math.max(1, Math.floor(count * (0.1 + Math.random() * 0.5)));
    const ports = server.ports;
    const first = server;
    let killed: Promise<void> | undefined;
    let killedAfter = 0;
    const restart = async () => {
      killedAfter = sink.total();
      await first.stop("SIGKILL");
      log(`  ${name}: SIGKILL after ${killedAfter} of ${count} reached the sink; restarting`);
      server = await startMailroom({ ...options, ports });
    };
    const watcher = (async () => {
      while (!killed && sink.total() < killAt) await sleep(10);
      killed ??= restart();
    })();
    const load = await sendLoad({
      base: server.url,
      key: tenant.apiKey,
      count,
      concurrency: 20,
      retryUntil: Date.now() + 180_000,
      headers: (i) => ({ "idempotency-key": `drill-${run}-${i}` }),
      body: (i) => ({
        from: tenant.address,
        to: `user${i}@remote.bench.test`,
        subject: `drill-token-${i} outbound`,
        text: `message ${i} of the outbound drill\n`.repeat(40),
      }),
    });
    log(
      `  ${name}: ${load.acceptedCount}/${count} sends got a 2xx${load.refused.size ? `; not accepted: ${describeRefused(load.refused)}` : ""}`,
    );
    await watcher;
    await killed;
    if (killedAfter >= count || !killed)
      return {
        name,
        status: "failed",
        detail: `the kill did not land mid-delivery (${killedAfter} of ${count} had reached the sink)`,
      };

    const accepted = load.accepted.flatMap((id, i) => (id ? [i] : []));
    const restartedAt = Date.now();
    const deadline = restartedAt + DRAIN_WAIT_MS;
    let lastLog = Date.now();
    while (accepted.some((i) => !sink.seen.has(i)) && Date.now() < deadline) {
      await sleep(250);
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`  ${name}: ${accepted.filter((i) => sink.seen.has(i)).length}/${accepted.length} at the sink, waiting`);
      }
    }
    const waitedS = (Date.now() - restartedAt) / 1000;
    await sleep(1000); // a late duplicate still on the wire
    await server?.stop();
    server = undefined;
    const queue = await store.queue();

    const delivered = accepted.filter((i) => sink.seen.has(i)).length;
    const missing = accepted.length - delivered;
    const duplicates = [...sink.seen.values()].reduce((n, k) => n + (k - 1), 0);
    const unaccepted = [...sink.seen.keys()].filter((i) => load.accepted[i] === undefined).length;
    const line = `outbound-sigkill: ${delivered} passed, ${missing} failed`;
    process.stdout.write(`${line} (${store.label}); duplicates: ${duplicates}\n`);
    const detail =
      `${line}; ${duplicates} duplicate deliveries; killed after ${killedAfter}/${count} at the sink; ` +
      `${accepted.length} accepted, drained ${missing ? `NOT within ${(DRAIN_WAIT_MS / 1000).toFixed(0)} s` : `${waitedS.toFixed(1)} s after the restart`}; ` +
      `${unaccepted} delivered without a 2xx seen; queue: ${queue.map((r) => `${r.status} ${r.n}`).join(", ")}`;
    return { name, status: missing === 0 && accepted.length > 0 ? "passed" : "failed", detail };
  } finally {
    await server?.stop("SIGKILL");
    await sink.stop();
    await store.dispose();
  }
}
