import nodemailer from "nodemailer";
import { SENDER } from "../lib/dns.js";
import { log, scaled } from "../lib/env.js";
import { createTenantWithMailbox, sendApiAvailable, startMailroom } from "../lib/mailroom.js";
import { createDatabase } from "../lib/postgres.js";
import type { Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const TARGET = "≥ 1,000 delivered/s";

/** nodemailer, pooled (10 connections), straight to the sink: the Node client's ceiling here. */
async function nodemailerToSink(port: number, count: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, pool: true, maxConnections: 10, maxMessages: Infinity, secure: false, ignoreTLS: true });
  const started = performance.now();
  const text = "x".repeat(5000);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail({ from: SENDER, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return count / seconds;
}

/**
 * Outbound delivery: 20,000 messages queued through POST /api/v1/send, delivered to smtp-sink as
 * the smarthost (SMTP_RELAY_URL), against nodemailer pooled sending straight to the same sink.
 */
export async function outbound(ctx: BenchContext): Promise<Row[]> {
  const count = scaled(20_000, 200);
  log("outbound: nodemailer pooled → smtp-sink");
  const peer = await nodemailerToSink(ctx.sink.port, count);
  log(`  nodemailer: ${peer.toFixed(0)} msgs/s`);
  const label = `outbound delivery, ${count.toLocaleString("en-US")} queued → smtp-sink smarthost, PostgreSQL`;
  const db = await createDatabase("outbound");
  try {
    const server = await startMailroom({ store: { kind: "postgres", url: db.url }, dns: ctx.dns.address, relayUrl: `smtp://127.0.0.1:${ctx.sink.port}` });
    try {
      const tenant = await createTenantWithMailbox(server.url);
      if (!(await sendApiAvailable(server.url, tenant.apiKey))) {
        return [{ benchmark: label, peer: "nodemailer pooled → sink", peerValue: peer, unit: "msgs/s", target: TARGET, status: "not available yet", note: "send API + delivery worker (issue 6)" }];
      }
      // Wired once issue 6 lands: enqueue `count` sends, then time until the queue reports them
      // all delivered (the delivery table's statuses).
      return [{ benchmark: label, peer: "nodemailer pooled → sink", peerValue: peer, unit: "msgs/s", target: TARGET, status: "not available yet", note: "issue 6 landed: wire the queue-drained check" }];
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}
