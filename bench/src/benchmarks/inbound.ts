import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSmtpBaseline } from "../lib/baselines.js";
import { SENDER } from "../lib/dns.js";
import { log, scaled } from "../lib/env.js";
import { createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom, type Store } from "../lib/mailroom.js";
import { realLookingMessage } from "../lib/messages.js";
import { createDatabase, withClient } from "../lib/postgres.js";
import { sendPool } from "../lib/smtp-client.js";
import { judge, type Row } from "../lib/table.js";
import { smtpSource, type SmtpPeer } from "../lib/tools.js";
import type { BenchContext } from "./context.js";

type Target = { name: string; port: number } | undefined;

/** smtp-source against one target; undefined when the target is missing or the run failed. */
async function source(
  target: Target,
  sessions: number,
  messages: number,
  kept: boolean,
  to: string,
): Promise<number | undefined> {
  if (!target) return undefined;
  const r = await smtpSource({ port: target.port, sessions, messages, keepConnections: kept, from: SENDER, to });
  log(
    `  ${target.name} -s ${sessions}${kept ? " -d" : ""} -m ${messages}: ${r.ok ? `${r.perSecond.toFixed(0)} msgs/s` : `failed: ${r.error}`}`,
  );
  return r.ok ? r.perSecond : undefined;
}

async function storedCount(ctx: { url: string }): Promise<number> {
  return withClient(ctx.url, async (c) =>
    Number((await c.query<{ n: string }>("select count(*) as n from messages")).rows[0]!.n),
  );
}

interface Ours {
  server: Mailroom;
  address: string;
  smtp: Target;
}

async function startOurs(ctx: BenchContext, store: Store, greetPauseMs: number | undefined): Promise<Ours> {
  const server = await startMailroom({ store, dns: ctx.dns.address, greetPauseMs });
  const { address } = await createTenantWithMailbox(server.url, `in${greetPauseMs ?? "d"}${Date.now() % 100000}`);
  const smtp = (await smtpAvailable(server.ports.smtp))
    ? { name: `mailroom(${store.kind}, pause ${greetPauseMs ?? "default"})`, port: server.ports.smtp }
    : undefined;
  return { server, address, smtp };
}

/**
 * Inbound SMTP: one connection per message (-s 50 and -s 200) and kept connections (-d), ours on
 * PostgreSQL (greet pause 100 ms and 0) and PGlite, against Haraka, smtp-sink and the raw
 * smtp-server + pg baseline, each run by smtp-source; then a real-looking mix with a Node client.
 */
export async function inbound(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const m = scaled(20_000, 200);
  const db = await createDatabase("inbound");
  const baseline = await startSmtpBaseline(db.url);
  const peers: { haraka: SmtpPeer; sink: SmtpPeer } = { haraka: ctx.haraka, sink: ctx.sink };
  const baselineTarget = { name: "smtp-server+pg", port: baseline.port };
  const pgStore: Store = { kind: "postgres", url: db.url };
  const pgliteDir = mkdtempSync(join(tmpdir(), "mailroom-bench-inbound-"));
  try {
    let harakaOne50: number | undefined;
    const to = "rcpt@bench.test"; // the peers accept anything; ours gets its own mailbox's address
    for (const sessions of [50, 200]) {
      log(`inbound, one connection per message, -s ${sessions}`);
      const haraka = await source(peers.haraka, sessions, m, false, to);
      if (sessions === 50) harakaOne50 = haraka;
      const sink = await source(peers.sink, sessions, m, false, to);
      const raw = await source(baselineTarget, sessions, m, false, to);
      const figures: Record<string, number | undefined> = {};
      for (const pause of [100, 0]) {
        const ours = await startOurs(ctx, pgStore, pause);
        try {
          const before = ours.smtp ? await storedCount(db) : 0;
          figures[pause] = await source(ours.smtp, sessions, m, false, ours.address);
          const stored = ours.smtp ? (await storedCount(db)) - before : 0;
          const label = `inbound 1 conn/msg, -s ${sessions}, PostgreSQL, greet pause ${pause} ms`;
          const note = ours.smtp && figures[pause] !== undefined && stored !== m ? `stored ${stored} of ${m}` : undefined;
          rows.push(
            ours.smtp
              ? {
                  benchmark: label,
                  ours: figures[pause],
                  peer: "Haraka",
                  peerValue: haraka,
                  unit: "msgs/s",
                  target: "≥ 1.0× Haraka",
                  status: judge(figures[pause], haraka, (_o, r) => r >= 1),
                  note,
                }
              : {
                  benchmark: label,
                  peer: "Haraka",
                  peerValue: haraka,
                  unit: "msgs/s",
                  target: "≥ 1.0× Haraka",
                  status: "not available yet",
                  note: "MX receiver",
                },
          );
        } finally {
          await ours.server.stop();
        }
      }
      const label0 = `inbound 1 conn/msg, -s ${sessions}, PostgreSQL, pause 0`;
      rows.push({
        benchmark: label0,
        ours: figures[0],
        peer: "smtp-sink (discards)",
        peerValue: sink,
        unit: "msgs/s",
        target: "—",
        status: figures[0] === undefined ? "not available yet" : "info",
      });
      rows.push({
        benchmark: label0,
        ours: figures[0],
        peer: "smtp-server+pg (raw)",
        peerValue: raw,
        unit: "msgs/s",
        target: "—",
        status: figures[0] === undefined ? "not available yet" : "info",
      });
    }

    log("inbound, kept connections, -d -s 50");
    const haraka = await source(peers.haraka, 50, m, true, to);
    const sink = await source(peers.sink, 50, m, true, to);
    const raw = await source(baselineTarget, 50, m, true, to);
    const ours = await startOurs(ctx, pgStore, undefined);
    let kept: number | undefined;
    try {
      kept = await source(ours.smtp, 50, m, true, ours.address);
    } finally {
      await ours.server.stop();
    }
    const keptLabel = "inbound kept connections, -d -s 50, PostgreSQL";
    const na =
      kept === undefined ? ({ status: "not available yet", note: ours.smtp ? "run failed" : "MX receiver" } as const) : undefined;
    rows.push({
      benchmark: keptLabel,
      ours: kept,
      peer: "Haraka",
      peerValue: haraka,
      unit: "msgs/s",
      target: "≥ 3,000/s and ≥ 1.0× Haraka",
      status: judge(kept, haraka, (o, r) => o >= 3000 && r >= 1),
      ...na,
    });
    rows.push({
      benchmark: keptLabel,
      ours: kept,
      peer: "smtp-sink (discards)",
      peerValue: sink,
      unit: "msgs/s",
      target: "—",
      status: "info",
      ...na,
    });
    rows.push({
      benchmark: keptLabel,
      ours: kept,
      peer: "smtp-server+pg (raw)",
      peerValue: raw,
      unit: "msgs/s",
      target: "—",
      status: "info",
      ...na,
    });

    log("inbound on PGlite");
    const lite = await startOurs(ctx, { kind: "pglite", dataDir: pgliteDir }, 0);
    let liteOne: number | undefined;
    let liteKept: number | undefined;
    try {
      liteOne = await source(lite.smtp, 50, m, false, lite.address);
      liteKept = await source(lite.smtp, 50, m, true, lite.address);
    } finally {
      await lite.server.stop();
    }
    const liteNa = lite.smtp ? undefined : ({ status: "not available yet", note: "MX receiver" } as const);
    rows.push({
      benchmark: "inbound 1 conn/msg, -s 50, PGlite, pause 0",
      ours: liteOne,
      peer: "Haraka",
      peerValue: harakaOne50,
      unit: "msgs/s",
      target: "—",
      status: "info",
      ...liteNa,
    });
    rows.push({
      benchmark: "inbound kept connections, -d -s 50, PGlite",
      ours: liteKept,
      peer: "Haraka",
      peerValue: haraka,
      unit: "msgs/s",
      target: "—",
      status: "info",
      ...liteNa,
    });

    rows.push(...(await mix(ctx, pgStore, baselineTarget)));
  } finally {
    await baseline.stop();
    rmSync(pgliteDir, { recursive: true, force: true });
    await db.drop();
  }
  return rows;
}

/** Real-looking messages (text + HTML, every 10th with a 100 KB attachment) over 20 kept connections. */
async function mix(ctx: BenchContext, store: Store, baseline: { name: string; port: number }): Promise<Row[]> {
  const count = scaled(4000, 100);
  const run = async (target: Target, to: string) => {
    if (!target) return undefined;
    const result = await sendPool({
      port: target.port,
      connections: 20,
      count,
      message: (i) => ({
        from: SENDER,
        to: [to],
        raw: realLookingMessage(i, {
          from: SENDER,
          to,
          messageId: `<mix-${i}-${Date.now()}@sender.bench.test>`,
          attachEvery: 10,
        }),
      }),
    });
    const ok = result.replies.filter((r) => r?.code === 250).length;
    log(`  mix → ${target.name}: ${ok}/${count} accepted, ${(ok / result.seconds).toFixed(0)} msgs/s`);
    return ok === count ? ok / result.seconds : undefined;
  };
  log("real-looking mix");
  const haraka = await run(ctx.haraka, "rcpt@bench.test");
  const raw = await run(baseline, "rcpt@bench.test");
  const ours = await startOurs(ctx, store, undefined);
  let figure: number | undefined;
  try {
    figure = await run(ours.smtp, ours.address);
  } finally {
    await ours.server.stop();
  }
  const label = "real-looking mix (text+HTML, 1 in 10 with 100 KB attachment), 20 kept conns, PostgreSQL";
  const na = ours.smtp ? undefined : ({ status: "not available yet", note: "MX receiver" } as const);
  return [
    { benchmark: label, ours: figure, peer: "Haraka", peerValue: haraka, unit: "msgs/s", target: "—", status: "info", ...na },
    {
      benchmark: label,
      ours: figure,
      peer: "smtp-server+pg (raw)",
      peerValue: raw,
      unit: "msgs/s",
      target: "—",
      status: "info",
      ...na,
    },
  ];
}
