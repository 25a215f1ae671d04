import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, log } from "../lib/env.js";
import { startMailroom } from "../lib/mailroom.js";
import { run } from "../lib/processes.js";
import type { Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** PGlite alone creating a database in an empty directory: the floor under our first start. */
const PGLITE_FIRST_START = `
const started = performance.now();
const { PGlite } = await import("@electric-sql/pglite");
const db = await PGlite.create(process.argv[1]);
await db.query("select 1");
process.stdout.write(String(performance.now() - started));
await db.close();
`;

/**
 * What a newcomer waits for, on PGlite, median of `runs`:
 *  - a fresh clone's `pnpm start`: the bundle it makes (apps/api/build.mjs), then the first start on an
 *    empty data directory (initdb + migrations + admin key), to /healthz;
 *  - a restart on that data;
 *  - PGlite's own first start, in a process of its own: the part of the first start that is not ours;
 *  - the first start's peak RSS (VmHWM).
 * PGlite refuses more than one process: every server here is one, whatever BENCH_PROCESSES says.
 */
export async function startup(ctx: BenchContext, runs = Number(process.env.BENCH_STARTUP_RUNS ?? 3)): Promise<Row[]> {
  const builds: number[] = [];
  const first: number[] = [];
  const fresh: number[] = [];
  const again: number[] = [];
  const pglite: number[] = [];
  const firstRss: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "mailroom-bench-startup-"));
    const pgliteDir = mkdtempSync(join(tmpdir(), "mailroom-bench-pglite-"));
    try {
      // What `pnpm start` (apps/api/launch.mjs) does on a fresh clone before it starts: bundle the server.
      const build = await run(process.execPath, [join(ROOT, "apps/api/build.mjs")], { cwd: ROOT });
      if (build.code !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
      builds.push(build.ms);
      const a = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
      first.push(a.startMs);
      fresh.push(build.ms + a.startMs);
      firstRss.push(a.peakRss().maxPerProcessMb);
      await a.stop();
      const b = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
      again.push(b.startMs);
      rss.push(b.peakRss().maxPerProcessMb);
      await b.stop();
      const alone = await run(process.execPath, ["--input-type=module", "-e", PGLITE_FIRST_START, join(pgliteDir, "data")], {
        cwd: join(ROOT, "apps/api"),
      });
      if (alone.code !== 0) throw new Error(`PGlite alone failed:\n${alone.stderr}`);
      pglite.push(Number(alone.stdout));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(pgliteDir, { recursive: true, force: true });
    }
  }
  const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  log(`start-up: build ${ms(builds)} ms; first ${ms(first)} ms; restart ${ms(again)} ms; PGlite alone ${ms(pglite)} ms`);
  return [
    {
      benchmark: `fresh clone: pnpm start to healthy (build + first start), PGlite (median of ${runs})`,
      ours: median(fresh) / 1000,
      unit: "s",
      target: "≤ 12 s",
      status: median(fresh) <= 12_000 ? "met" : "missed",
      note: `build ${(median(builds) / 1000).toFixed(1)} s, first start ${(median(first) / 1000).toFixed(1)} s`,
    },
    {
      benchmark: `PGlite alone: first start in an empty directory, own process (median of ${runs})`,
      ours: median(pglite) / 1000,
      unit: "s",
      target: "—",
      status: "info",
      note: "the part of a first start that is PGlite's own (initdb)",
    },
    {
      benchmark: `start-up to healthy, PGlite, first start (median of ${runs})`,
      ours: median(first) / 1000,
      unit: "s",
      target: "—",
      status: "info",
    },
    {
      // initdb and the migrations run inside the server process: its largest footprint.
      benchmark: `memory: peak RSS, PGlite first start (median of ${runs})`,
      ours: median(firstRss),
      unit: "MB",
      target: "< 500 MB",
      status: median(firstRss) < 500 ? "met" : "missed",
    },
    {
      benchmark: `start-up to healthy, PGlite, restart, empty store (median of ${runs})`,
      ours: median(again) / 1000,
      unit: "s",
      target: "≤ 2 s",
      status: median(again) <= 2000 ? "met" : "missed",
      note: `peak RSS ${median(rss).toFixed(0)} MB`,
    },
  ];
}
