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
/** The delivery worker's in-flight deliveries when nothing sets them (DeliveryWorker). */

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

/**
 * Outbound delivery: `count` messages (5 KB, one remote recipient each) queued through
 * POST /api/v1/send (c=50) by a server that runs no delivery worker (MAILROOM_DELIVERY_CONCURRENCY=0),
 * so the queue really holds them all; then a server with the default worker starts on the same
 * database, and the time from its start until every row is `sent` (through smtp-sink as the
 * smarthost, SMTP_RELAY_URL; the queue polled every 100 ms) is the delivery figure. Against
 * nodemailer pooled sending straight to the same sink.
 */
export async function outbound(ctx: BenchContext): Promise<Row[]> {
  const count = scaled(20_000, 200);
  log("outbound: nodemailer pooled → smtp-sink");
  const peer = await nodemailerToSink(ctx.sink.port, count);
  log(`  nodemailer: ${peer.toFixed(0)} msgs/s`);
  const label = `outbound delivery, ${count.toLocaleString("en-US")} queued → smtp-sink smarthost, PostgreSQL`;
  const base = { benchmark: label, peer: "nodemailer pooled → sink", peerValue: peer, unit: "msgs/s", target: TARGET };
  const db = await createDatabase("outbound");
  const relayUrl = `smtp://127.0.0.1:${ctx.sink.port}`;
  const client = new pg.Client({ connectionString: db.url });
  try {
    await client.connect();
    const queueing = await startMailroom({
      store: { kind: "postgres", url: db.url },
      dns: ctx.dns.address,
      relayUrl,
      env: { MAILROOM_DELIVERY_CONCURRENCY: "0" },
    });
    let enqueueNote: string;
    try {
      const tenant = await createTenantWithMailbox(queueing.url);
      if (!(await sendApiAvailable(queueing.url, tenant.apiKey))) {
        return [{ ...base, status: "not available yet", note: "send API + delivery worker" }];
      }
      log(`outbound: queueing ${count} sends (c=50) through ${queueing.url}/api/v1/send, no worker running`);
      const sent = await sendLoad({
        base: queueing.url,
        key: tenant.apiKey,
        count,
        concurrency: 50,
        body: (i) => ({ from: tenant.address, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text: TEXT }),
      });
      const enqueueSeconds = (sent.endedAt - sent.startedAt) / 1000;
      enqueueNote = `queued through the API at ${(sent.acceptedCount / enqueueSeconds).toFixed(0)}/s first`;
      log(
        `  queued: ${sent.acceptedCount}/${count} in ${enqueueSeconds.toFixed(1)} s${sent.refused.size ? `; refused: ${describeRefused(sent.refused)}` : ""}`,
      );
      log(`  queue: ${describeCounts(await statusCounts(client))}`);
    } finally {
      await queueing.stop();
    }

    log("outbound: a server with the default delivery worker drains the queue");
    const started = performance.now();
    const server = await startMailroom({ store: { kind: "postgres", url: db.url }, dns: ctx.dns.address, relayUrl });
    try {
      const deadline = performance.now() + scaled(600_000, 60_000);
      let counts: Counts = {};
      let drainedAt: number | undefined;
      for (;;) {
        await sleep(100);
        counts = await statusCounts(client);
        if ((counts.queued ?? 0) + (counts.sending ?? 0) + (counts.deferred ?? 0) === 0) {
          drainedAt = performance.now();
          break;
        }
        if (performance.now() > deadline) break;
      }
      const delivered = counts.sent ?? 0;
      const seconds = ((drainedAt ?? performance.now()) - started) / 1000;
      const ours = drainedAt && delivered === count ? delivered / seconds : undefined;
      log(
        `  delivered: ${delivered} in ${seconds.toFixed(1)} s from the worker's process start${ours ? ` (${ours.toFixed(0)}/s)` : ""}; queue: ${describeCounts(counts)}`,
      );
      const note = [
        `timed from the delivering process's start (${(server.startMs / 1000).toFixed(1)} s of it start-up)`,
        enqueueNote,
        "MAILROOM_DELIVERY_CONCURRENCY default (32), pooled smarthost connections",
        ...(delivered !== count ? [`queue: ${describeCounts(counts)}`] : []),
      ].join("; ");
      return [{ ...base, ours, status: ours === undefined ? "error" : judge(ours, peer, (o) => o >= 1000), note }];
    } finally {
      await server.stop();
    }
  } finally {
    await client.end().catch(() => undefined);
    await db.drop();
  }
}
