import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSmtpBaseline } from "../lib/baselines.js";
import { SENDER } from "../lib/dns.js";
import { log, scaled } from "../lib/env.js";
import { createTenantWithMailbox, smtpAvailable, startMailroom, type Mailroom, type Store } from "../lib/mailroom.js";
import { realLookingMessage } from "../lib/messages.js";
import { createDatabase, withClient } from "../lib/postgres.js";
import { FIRST_N, forEachN, withN } from "../lib/per-n.js";
import { sendPool } from "../lib/smtp-client.js";
import { judge, type Row } from "../lib/table.js";
import { smtpSource } from "../lib/tools.js";
import type { BenchContext } from "./context.js";

type Target = { name: string; port: number } | undefined;

/** One smtp-source load: sessions at a time, messages in all, connections kept (-d) or one per message. */
interface Load {
  sessions: number;
  messages: number;
  kept: boolean;
}

/** The peers' figures for one load, measured once and shared by every N's rows. */
interface PeerFigures {
  haraka: number | undefined;
  sink: number | undefined;
  raw: number | undefined;
}

/** One load against one fresh server of ours. */
interface OursRun {
  available: boolean;
  figure: number | undefined;
  note: string | undefined;
}

interface Judged {
  target: string;
  test: (ours: number, ratio: number) => boolean;
}

const AT_LEAST_HARAKA: Judged = { target: "≥ 1.0× Haraka", test: (_o, r) => r >= 1 };
const AT_LEAST_RAW: Judged = { target: "≥ 1.0× smtp-server+pg", test: (_o, r) => r >= 1 };
const PEER_TO = "rcpt@bench.test"; // the peers accept anything; ours gets its own mailbox's address

/** smtp-source against one target; undefined when the target is missing or the run failed. */
async function source(target: Target, load: Load, to: string): Promise<number | undefined> {
  if (!target) return undefined;
  const { sessions, messages, kept } = load;
  const r = await smtpSource({ port: target.port, sessions, messages, keepConnections: kept, from: SENDER, to });
  log(
    `  ${target.name} -s ${sessions}${kept ? " -d" : ""} -m ${messages}: ${r.ok ? `${r.perSecond.toFixed(0)} msgs/s` : `failed: ${r.error}`}`,
  );
  return r.ok ? r.perSecond : undefined;
}

async function peerFigures(ctx: BenchContext, raw: Target, load: Load): Promise<PeerFigures> {
  log(`inbound, ${load.kept ? "kept connections, -d" : "one connection per message,"} -s ${load.sessions}`);
  return {
    haraka: await source(ctx.haraka, load, PEER_TO),
    sink: await source(ctx.sink, load, PEER_TO),
    raw: await source(raw, load, PEER_TO),
  };
}

async function storedCount(store: Store): Promise<number | undefined> {
  if (store.kind !== "postgres") return undefined;
  return withClient(store.url, async (c) =>
    Number((await c.query<{ n: string }>("select count(*) as n from messages")).rows[0]!.n),
  );
}

interface Ours {
  server: Mailroom;
  address: string;
  smtp: Target;
}

async function startOurs(ctx: BenchContext, store: Store, greetPauseMs: number | undefined, processes: number): Promise<Ours> {
  const server = await startMailroom({ store, dns: ctx.dns.address, greetPauseMs, processes });
  const { address } = await createTenantWithMailbox(server.url, `in${greetPauseMs ?? "d"}${Date.now() % 100000}`);
  const smtp = (await smtpAvailable(server.ports.smtp))
    ? { name: `mailroom(${store.kind}, pause ${greetPauseMs ?? "default"}, N=${processes})`, port: server.ports.smtp }
    : undefined;
  return { server, address, smtp };
}

/**
 * A fresh server of ours (`processes`, greet pause), `drive` against its MX, then stopped; on
 * PostgreSQL the messages it stored are counted, since an accepted message must be a stored one.
 */
async function runOurs(
  ctx: BenchContext,
  store: Store,
  options: { processes: number; greetPauseMs: number | undefined; expected: number },
  drive: (target: Target, to: string) => Promise<number | undefined>,
): Promise<OursRun> {
  const ours = await startOurs(ctx, store, options.greetPauseMs, options.processes);
  try {
    if (!ours.smtp) return { available: false, figure: undefined, note: "MX receiver" };
    const before = await storedCount(store);
    const figure = await drive(ours.smtp, ours.address);
    const after = await storedCount(store);
    if (figure === undefined) return { available: true, figure, note: "run failed" };
    const stored = before === undefined || after === undefined ? options.expected : after - before;
    return { available: true, figure, note: stored !== options.expected ? `stored ${stored} of ${options.expected}` : undefined };
  } finally {
    await ours.server.stop();
  }
}

/** Our run against one peer's figure: judged when a target is given, info without one. */
function versus(benchmark: string, run: OursRun, peer: string, peerValue: number | undefined, judged?: Judged): Row {
  const row = { benchmark, ours: run.figure, peer, peerValue, unit: "msgs/s", target: judged?.target ?? "—", note: run.note };
  if (!run.available) return { ...row, status: "not available yet" };
  if (run.figure === undefined) return { ...row, status: "error" };
  return { ...row, status: judged ? judge(run.figure, peerValue, judged.test) : "info" };
}

/** The comparisons that only describe (smtp-sink discards, the raw baseline stores): one N's worth keeps the table readable. */
function infoRows(benchmark: string, run: OursRun, peers: PeerFigures): Row[] {
  return [versus(benchmark, run, "smtp-sink (discards)", peers.sink), versus(benchmark, run, "smtp-server+pg (raw)", peers.raw)];
}

/**
 * Inbound SMTP, each load run by smtp-source against Haraka, smtp-sink and the raw smtp-server + pg
 * baseline once, then against ours on PostgreSQL for every N in BENCH_PROCESSES: one connection per
 * message (-s 50 and -s 200, greet pause 0; pause 100 as N=1 info) and kept connections (-d); ours
 * on PGlite (one process); then a real-looking mix with a Node client.
 */
export async function inbound(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const m = scaled(20_000, 200);
  const db = await createDatabase("inbound");
  const baseline = await startSmtpBaseline(db.url);
  const raw = { name: "smtp-server+pg", port: baseline.port };
  const pgStore: Store = { kind: "postgres", url: db.url };
  const pgliteDir = mkdtempSync(join(tmpdir(), "mailroom-bench-inbound-"));
  try {
    const one50: Load = { sessions: 50, messages: m, kept: false };
    const peers50 = await peerFigures(ctx, raw, one50);
    rows.push(...(await oneConnectionPerMessage(ctx, pgStore, one50, peers50)));
    const one200: Load = { ...one50, sessions: 200 };
    rows.push(...(await oneConnectionPerMessage(ctx, pgStore, one200, await peerFigures(ctx, raw, one200))));
    const kept: Load = { ...one50, kept: true };
    const peersKept = await peerFigures(ctx, raw, kept);
    // The server's default greet pause: a kept connection waits for it once.
    rows.push(...(await smtpSourceRows(ctx, pgStore, "inbound kept connections, -d -s 50, PostgreSQL", kept, peersKept)));
    rows.push(
      ...(await onPglite(ctx, pgliteDir, [
        { load: one50, haraka: peers50.haraka },
        { load: kept, haraka: peersKept.haraka },
      ])),
    );
    rows.push(...(await mix(ctx, pgStore, raw)));
  } finally {
    await baseline.stop();
    rmSync(pgliteDir, { recursive: true, force: true });
    await db.drop();
  }
  return rows;
}

/** Greet pause 0 for every N, judged against Haraka; the default pause (100 ms) once, N=1, as info. */
async function oneConnectionPerMessage(ctx: BenchContext, store: Store, load: Load, peers: PeerFigures): Promise<Row[]> {
  const label = `inbound 1 conn/msg, -s ${load.sessions}, PostgreSQL`;
  const options = { processes: 1, greetPauseMs: 100, expected: load.messages };
  const paused = await runOurs(ctx, store, options, (t, to) => source(t, load, to));
  return [
    versus(withN(`${label}, greet pause 100 ms`, 1), paused, "Haraka", peers.haraka),
    ...(await smtpSourceRows(ctx, store, `${label}, greet pause 0 ms`, load, peers, 0)),
  ];
}

/** `load` against ours for every N, judged against Haraka; then the first N's info comparisons. */
async function smtpSourceRows(
  ctx: BenchContext,
  store: Store,
  label: string,
  load: Load,
  peers: PeerFigures,
  greetPauseMs?: number,
): Promise<Row[]> {
  let first: OursRun | undefined;
  const judged = await forEachN(label, async (n) => {
    const run = await runOurs(ctx, store, { processes: n, greetPauseMs, expected: load.messages }, (t, to) =>
      source(t, load, to),
    );
    if (n === FIRST_N) first = run;
    return [versus(withN(label, n), run, "Haraka", peers.haraka, AT_LEAST_HARAKA)];
  });
  return [...judged, ...(first ? infoRows(withN(label, FIRST_N), first, peers) : [])];
}

/** PGlite refuses more than one process: its rows are one process's, info against Haraka. */
async function onPglite(ctx: BenchContext, dataDir: string, loads: { load: Load; haraka: number | undefined }[]): Promise<Row[]> {
  log("inbound on PGlite");
  const store: Store = { kind: "pglite", dataDir };
  const rows: Row[] = [];
  for (const { load, haraka } of loads) {
    const options = { processes: 1, greetPauseMs: 0, expected: load.messages };
    const run = await runOurs(ctx, store, options, (t, to) => source(t, load, to));
    const kind = load.kept ? "kept connections, -d" : "1 conn/msg,";
    rows.push(versus(`inbound ${kind} -s ${load.sessions}, PGlite, 1 process, pause 0`, run, "Haraka", haraka));
  }
  return rows;
}

/** Real-looking messages (text + HTML, every 10th with a 100 KB attachment) over 20 kept connections. */
async function mix(ctx: BenchContext, store: Store, raw: Target): Promise<Row[]> {
  const count = scaled(4000, 100);
  log("real-looking mix");
  const haraka = await sendMix(ctx.haraka, PEER_TO, count);
  const rawFigure = await sendMix(raw, PEER_TO, count);
  const label = "real-looking mix (text+HTML, 1 in 10 with 100 KB attachment), 20 kept conns, PostgreSQL";
  let first: OursRun | undefined;
  // Judged against the raw baseline, which stores every message as ours does; Haraka's queue discards them.
  const judged = await forEachN(label, async (n) => {
    const run = await runOurs(ctx, store, { processes: n, greetPauseMs: undefined, expected: count }, (t, to) =>
      sendMix(t, to, count),
    );
    if (n === FIRST_N) first = run;
    return [versus(withN(label, n), run, "smtp-server+pg (raw)", rawFigure, AT_LEAST_RAW)];
  });
  return [...judged, ...(first ? [versus(withN(label, FIRST_N), first, "Haraka", haraka)] : [])];
}

/** The mix to one target: messages per second, or undefined unless every one was accepted. */
async function sendMix(target: Target, to: string, count: number): Promise<number | undefined> {
  if (!target) return undefined;
  const result = await sendPool({
    port: target.port,
    connections: 20,
    count,
    message: (i) => ({
      from: SENDER,
      to: [to],
      raw: realLookingMessage(i, { from: SENDER, to, messageId: `<mix-${i}-${Date.now()}@sender.bench.test>`, attachEvery: 10 }),
    }),
  });
  const ok = result.replies.filter((r) => r?.code === 250).length;
  log(`  mix → ${target.name}: ${ok}/${count} accepted, ${(ok / result.seconds).toFixed(0)} msgs/s`);
  return ok === count ? ok / result.seconds : undefined;
}
