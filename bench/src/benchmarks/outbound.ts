import nodemailer from "nodemailer";
import pg from "pg";
import { SENDER } from "../lib/dns.js";
import { log, scaled, sleep } from "../lib/env.js";
import { createTenantWithMailbox, sendApiAvailable, startMailroom } from "../lib/mailroom.js";
import { createDatabase } from "../lib/postgres.js";
import { describeRefused, sendLoad } from "../lib/send-load.js";
import { forEachN, withN } from "../lib/per-n.js";
import { judge, type Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const TARGET = "≥ 1.0× nodemailer pooled";
const TEXT = "x".repeat(5000);

/** nodemailer, pooled (10 connections), straight to the sink: the Node client's ceiling here. */
async function nodemailerToSink(port: number, count: number): Promise<number> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    pool: true,
    maxConnections: 10,
    maxMessages: Infinity,
    secure: false,
    ignoreTLS: true,
  });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail({ from: SENDER, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text: TEXT });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return count / seconds;
}

type Counts = Record<string, number>;

/** One `count(*) … group by status` over the queue: measurement, not product code. */
async function statusCounts(client: pg.Client): Promise<Counts> {
  const { rows } = await client.query<{ status: string; n: string }>(
    "select status, count(*) as n from deliveries group by status",
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

const describeCounts = (c: Counts) =>
  Object.entries(c)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ") || "empty";

/** The queueing server's report: a note on the queueing rate, or why nothing could be queued. */
type Queued = { ok: true; note: string } | { ok: false };

/**
 * `count` sends (c=50) through POST /api/v1/send of a one-process server that runs no delivery
 * worker (MAILROOM_DELIVERY_CONCURRENCY=0), so the queue really holds them all when it stops.
 */
async function queue(ctx: BenchContext, dbUrl: string, client: pg.Client, count: number, relayUrl: string): Promise<Queued> {
  const queueing = await startMailroom({
    store: { kind: "postgres", url: dbUrl },
    dns: ctx.dns.address,
    relayUrl,
    env: { MAILROOM_DELIVERY_CONCURRENCY: "0" },
  });
  try {
    const tenant = await createTenantWithMailbox(queueing.url);
    if (!(await sendApiAvailable(queueing.url, tenant.apiKey))) return { ok: false };
    log(`outbound: queueing ${count} sends (c=50) through ${queueing.url}/api/v1/send, no worker running`);
    const sent = await sendLoad({
      base: queueing.url,
      key: tenant.apiKey,
      count,
      concurrency: 50,
      body: (i) => ({ from: tenant.address, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text: TEXT }),
    });
    const enqueueSeconds = (sent.endedAt - sent.startedAt) / 1000;
    log(
      `  queued: ${sent.acceptedCount}/${count} in ${enqueueSeconds.toFixed(1)} s${sent.refused.size ? `; refused: ${describeRefused(sent.refused)}` : ""}`,
    );
    log(`  queue: ${describeCounts(await statusCounts(client))}`);
    return { ok: true, note: `queued through the API at ${(sent.acceptedCount / enqueueSeconds).toFixed(0)}/s first` };
  } finally {
    await queueing.stop();
  }
}

/** Poll the queue every 100 ms until nothing is left to deliver (or the deadline): the time it was empty, and the counts. */
async function waitForDrain(client: pg.Client): Promise<{ drainedAt: number | undefined; counts: Counts }> {
  const deadline = performance.now() + scaled(600_000, 60_000);
  for (;;) {
    await sleep(100);
    const counts = await statusCounts(client);
    if ((counts.queued ?? 0) + (counts.sending ?? 0) + (counts.deferred ?? 0) === 0)
      return { drainedAt: performance.now(), counts };
    if (performance.now() > deadline) return { drainedAt: undefined, counts };
  }
}

/**
 * A server of `processes` with the default delivery worker starts on the queued database; the time
 * from its start until every row is `sent` is the delivery figure.
 */
async function drain(
  ctx: BenchContext,
  dbUrl: string,
  client: pg.Client,
  count: number,
  relayUrl: string,
  processes: number,
): Promise<{ ours: number | undefined; note: string }> {
  log(`outbound: a server of ${processes} process(es) with the default delivery worker drains the queue`);
  const started = performance.now();
  const server = await startMailroom({ store: { kind: "postgres", url: dbUrl }, dns: ctx.dns.address, relayUrl, processes });
  try {
    const { drainedAt, counts } = await waitForDrain(client);
    const delivered = counts.sent ?? 0;
    const seconds = ((drainedAt ?? performance.now()) - started) / 1000;
    const ours = drainedAt && delivered === count ? delivered / seconds : undefined;
    log(
      `  delivered: ${delivered} in ${seconds.toFixed(1)} s from the worker's process start${ours ? ` (${ours.toFixed(0)}/s)` : ""}; queue: ${describeCounts(counts)}`,
    );
    const note = [
      `timed from the delivering server's start (${(server.startMs / 1000).toFixed(1)} s of it start-up)`,
      `MAILROOM_DELIVERY_CONCURRENCY default (32${processes > 1 ? " per process" : ""}), pooled smarthost connections`,
      ...(delivered !== count ? [`queue: ${describeCounts(counts)}`] : []),
    ];
    return { ours, note: note.join("; ") };
  } finally {
    await server.stop();
  }
}

/**
 * Outbound delivery, for every N in BENCH_PROCESSES on a fresh database: `count` messages (5 KB, one
 * remote recipient each) queued by a one-process server that does not deliver, then drained by a
 * server of N processes through smtp-sink as the smarthost (SMTP_RELAY_URL; the queue polled every
 * 100 ms). Against nodemailer pooled sending straight to the same sink, measured once.
 */
export async function outbound(ctx: BenchContext): Promise<Row[]> {
  const count = scaled(20_000, 200);
  log("outbound: nodemailer pooled → smtp-sink");
  const peer = await nodemailerToSink(ctx.sink.port, count);
  log(`  nodemailer: ${peer.toFixed(0)} msgs/s`);
  const label = `outbound delivery, ${count.toLocaleString("en-US")} queued → smtp-sink smarthost, PostgreSQL`;
  const relayUrl = `smtp://127.0.0.1:${ctx.sink.port}`;
  return forEachN(label, async (n) => {
    const base = {
      benchmark: withN(label, n),
      peer: "nodemailer pooled → sink",
      peerValue: peer,
      unit: "msgs/s",
      target: TARGET,
    };
    const db = await createDatabase("outbound");
    const client = new pg.Client({ connectionString: db.url });
    try {
      await client.connect();
      const queued = await queue(ctx, db.url, client, count, relayUrl);
      if (!queued.ok) return [{ ...base, status: "not available yet", note: "send API + delivery worker" }];
      const { ours, note } = await drain(ctx, db.url, client, count, relayUrl, n);
      const status = ours === undefined ? "error" : judge(ours, peer, (_o, r) => r >= 1);
      return [{ ...base, ours, status, note: `${note}; ${queued.note}` }];
    } finally {
      await client.end().catch(() => undefined);
      await db.drop();
    }
  });
}
