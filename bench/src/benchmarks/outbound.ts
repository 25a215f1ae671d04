import nodemailer from "nodemailer";
import pg from "pg";
import { SENDER } from "../lib/dns.js";
import { log, scaled, sleep } from "../lib/env.js";
import { createTenantWithMailbox, sendApiAvailable, startMailroom } from "../lib/mailroom.js";
import { createDatabase } from "../lib/postgres.js";
import { describeRefused, sendLoad } from "../lib/send-load.js";
import { judge, type Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const TARGET = "≥ 1,000 delivered/s";
const TEXT = "x".repeat(5000);
/** The delivery worker's in-flight deliveries when nothing sets them (DeliveryWorker, issue 6). */

/** nodemailer, pooled (10 connections), straight to the sink: the Node client's ceiling here. */
async function nodemailerToSink(port: number, count: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, pool: true, maxConnections: 10, maxMessages: Infinity, secure: false, ignoreTLS: true });
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
  const { rows } = await client.query<{ status: string; n: string }>("select status, count(*) as n from deliveries group by status");
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

const describeCounts = (c: Counts) => Object.entries(c).map(([s, n]) => `${s} ${n}`).join(", ") || "empty";

/**
 * Outbound delivery: `count` messages (5 KB, one remote recipient each) queued through
 * POST /api/v1/send with 50 requests in flight, delivered through smtp-sink as the smarthost
 * (SMTP_RELAY_URL); timed from the first enqueue until every delivery row is `sent`, polling the
 * queue every 250 ms. Against nodemailer pooled sending straight to the same sink. The worker runs
 * with the defaults a user gets (nothing tuned).
 */
export async function outbound(ctx: BenchContext): Promise<Row[]> {
  const count = scaled(20_000, 200);
  log("outbound: nodemailer pooled → smtp-sink");
  const peer = await nodemailerToSink(ctx.sink.port, count);
  log(`  nodemailer: ${peer.toFixed(0)} msgs/s`);
  const label = `outbound delivery, ${count.toLocaleString("en-US")} queued → smtp-sink smarthost, PostgreSQL`;
  const base = { benchmark: label, peer: "nodemailer pooled → sink", peerValue: peer, unit: "msgs/s", target: TARGET };
  const db = await createDatabase("outbound");
  try {
    const server = await startMailroom({ store: { kind: "postgres", url: db.url }, dns: ctx.dns.address, relayUrl: `smtp://127.0.0.1:${ctx.sink.port}` });
    const client = new pg.Client({ connectionString: db.url });
    try {
      const tenant = await createTenantWithMailbox(server.url);
      if (!(await sendApiAvailable(server.url, tenant.apiKey))) {
        return [{ ...base, status: "not available yet", note: "send API + delivery worker (issue 6)" }];
      }
      await client.connect();
      log(`outbound: enqueueing ${count} sends (c=50) through ${server.url}/api/v1/send`);
      let enqueueDone = false;
      const load = sendLoad({
        base: server.url,
        key: tenant.apiKey,
        count,
        concurrency: 50,
        body: (i) => ({ from: tenant.address, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text: TEXT }),
      }).finally(() => {
        enqueueDone = true;
      });
      // Poll while the enqueue runs and after, until every accepted send's row is `sent` or the bound.
      const deadline = performance.now() + scaled(600_000, 60_000);
      let counts: Counts = {};
      let drainedAt: number | undefined;
      for (;;) {
        await sleep(250);
        counts = await statusCounts(client);
        const pending = (counts.queued ?? 0) + (counts.sending ?? 0) + (counts.deferred ?? 0);
        if (enqueueDone && pending === 0) {
          drainedAt = performance.now();
          break;
        }
        if (performance.now() > deadline) break;
      }
      const sent = await load;
      const enqueueSeconds = (sent.endedAt - sent.startedAt) / 1000;
      const enqueueRate = sent.acceptedCount / enqueueSeconds;
      log(`  enqueue: ${sent.acceptedCount}/${count} accepted in ${enqueueSeconds.toFixed(1)} s (${enqueueRate.toFixed(0)}/s)${sent.refused.size ? `; refused: ${describeRefused(sent.refused)}` : ""}`);
      log(`  queue: ${describeCounts(counts)}${drainedAt ? "" : " (timed out)"}`);
      const delivered = counts.sent ?? 0;
      const seconds = ((drainedAt ?? performance.now()) - sent.startedAt) / 1000;
      const ours = drainedAt && delivered === count ? delivered / seconds : undefined;
      log(`  delivered: ${delivered} in ${seconds.toFixed(1)} s${ours ? ` (${ours.toFixed(0)}/s)` : ""}`);
      const note = [
        `enqueue ${enqueueRate.toFixed(0)}/s over ${enqueueSeconds.toFixed(1)} s`,
        `drained ${drainedAt ? (((drainedAt - sent.endedAt) / 1000).toFixed(1) + " s after the last enqueue") : "— timed out"}`,
        "worker concurrency: MAILROOM_DELIVERY_CONCURRENCY default (32), pooled smarthost connections",
        ...(delivered !== count ? [`queue: ${describeCounts(counts)}`] : []),
        ...(sent.refused.size ? [`refused: ${describeRefused(sent.refused)}`.slice(0, 160)] : []),
      ].join("; ");
      return [{ ...base, ours, status: ours === undefined ? "error" : judge(ours, peer, (o) => o >= 1000), note }];
    } finally {
      await client.end().catch(() => undefined);
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}
