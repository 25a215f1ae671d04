// pnpm bench: every benchmark, then ONE table (ours, the peer's figure from the same run, ratio,
// target, met/missed). Not part of pnpm test or CI.
//   pnpm bench                       everything (on 2 cores about 15 minutes for N=1 alone; each further N adds its servers' runs)
//   pnpm bench --only inbound,api    some groups: inbound, api, outbound, startup, cli, events, imap, web
//   BENCH_SCALE=0.02 pnpm bench      a trial of the scripts: every count and duration scaled down
//   BENCH_PROCESSES=1,2 pnpm bench   the server's process counts (MAILROOM_PROCESSES, default 1,2): each
//                                    headline row once per count, against peer figures measured once
//                                    (PGlite rows stay one process: PGlite refuses more)
//   BENCH_PROCESSES=1 pnpm bench     one process only, as the bench measured before N=2
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { api } from "./benchmarks/api.js";
import { cli } from "./benchmarks/cli.js";
import { events } from "./benchmarks/events.js";
import type { BenchContext } from "./benchmarks/context.js";
import { imap } from "./benchmarks/imap.js";
import { inbound } from "./benchmarks/inbound.js";
import { outbound } from "./benchmarks/outbound.js";
import { startup } from "./benchmarks/startup.js";
import { web } from "./benchmarks/web.js";
import { BENCH_DNS_RECORDS, LoopbackDns } from "./lib/dns.js";
import { BENCH, SCALE, log } from "./lib/env.js";
import { assertBuilt, serverPeaks, type ServerPeak } from "./lib/mailroom.js";
import { errorRow, renderTable, type Row } from "./lib/table.js";
import { startHaraka, startSmtpSink } from "./lib/tools.js";

const groups: Record<string, (ctx: BenchContext) => Promise<Row[]>> = { inbound, api, outbound, startup, cli, events, imap, web };
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? "").split(",") : Object.keys(groups);
for (const name of only) if (!groups[name]) throw new Error(`unknown group "${name}" (known: ${Object.keys(groups).join(", ")})`);

assertBuilt();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
log(`machine: ${machine}${SCALE !== 1 ? `; BENCH_SCALE=${SCALE} (a trial: figures are not comparable)` : ""}`);

const dns = await LoopbackDns.start(BENCH_DNS_RECORDS);
const haraka = await startHaraka(dns.address);
const sink = await startSmtpSink();
const ctx: BenchContext = { dns, haraka, sink };
const rows: Row[] = [];
try {
  for (const name of only) {
    log(`— ${name}`);
    try {
      rows.push(...(await groups[name]!(ctx)));
    } catch (err) {
      log(`${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
      rows.push(errorRow(name, err));
    }
  }
} finally {
  await haraka.stop();
  await sink.stop();
  await dns.stop();
}

rows.push(...memoryRows(serverPeaks));

const table = renderTable(rows);
const header = `${new Date().toISOString()} — ${machine}${SCALE !== 1 ? ` — BENCH_SCALE=${SCALE}` : ""}`;
process.stdout.write(`\n${header}\n\n${table}\n`);
mkdirSync(join(BENCH, "results"), { recursive: true });
writeFileSync(join(BENCH, "results", SCALE === 1 ? "latest.md" : "trial.tmp"), `${header}\n\n${table}\n`);
process.exit(0);

/**
 * One row per store and process count, PostgreSQL's first. The target is each process's, under the
 * benchmarks' load on PostgreSQL, so the largest single process judges it (a cluster's total is in
 * the note); PGlite (the embedded database runs inside the server process) is its own row.
 */
function memoryRows(peaks: ServerPeak[]): Row[] {
  const sorted = [...peaks].sort(
    (a, b) => Number(a.store !== "postgres") - Number(b.store !== "postgres") || a.processes - b.processes,
  );
  const groups = new Map<string, ServerPeak[]>();
  for (const p of sorted) {
    const key = `${p.store} ${p.processes}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map(memoryRow);
}

function memoryRow(group: ServerPeak[]): Row {
  const { store, processes } = group[0]!;
  const largest = Math.max(...group.map((p) => p.maxPerProcessMb));
  const total = Math.max(...group.map((p) => p.totalMb));
  const processNote = processes === 1 ? "1 process" : `primary + ${processes} workers`;
  const note = `largest total ${total.toFixed(0)} MB (${processNote}); over ${group.length} servers`;
  if (store === "pglite")
    return {
      benchmark: `memory: peak RSS (VmHWM), PGlite, ${processNote}`,
      ours: largest,
      unit: "MB",
      target: "—",
      status: "info",
      note,
    };
  return {
    benchmark: `memory: peak RSS per process (VmHWM), PostgreSQL, N=${processes}`,
    ours: largest,
    unit: "MB",
    target: "< 250 MB",
    status: largest < 250 ? "met" : "missed",
    note,
  };
}
