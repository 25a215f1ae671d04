import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log } from "../lib/env.js";
import { startMailroom } from "../lib/mailroom.js";
import type { Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `node apps/api/dist/main.js` to a healthy /healthz on PGlite: first start (empty data directory:
 * initdb + migrations + admin key) and restart (existing data), median of `runs` (was startup.mjs).
 */
export async function startup(ctx: BenchContext, runs = Number(process.env.BENCH_STARTUP_RUNS ?? 3)): Promise<Row[]> {
  const first: number[] = [];
  const again: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), "mailroom-bench-startup-"));
    try {
      const a = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
      first.push(a.startMs);
      await a.stop();
      const b = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
      again.push(b.startMs);
      rss.push(b.proc.peakRssMb());
      await b.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  log(`start-up: first ${first.map((x) => x.toFixed(0)).join(", ")} ms; restart ${again.map((x) => x.toFixed(0)).join(", ")} ms`);
  return [
    { benchmark: `start-up to healthy, PGlite, first start (median of ${runs})`, ours: median(first) / 1000, unit: "s", target: "—", status: "info" },
    {
      benchmark: `start-up to healthy, PGlite, restart, empty store (median of ${runs})`,
      ours: median(again) / 1000,
      unit: "s",
      target: "< 2 s",
      status: median(again) < 2000 ? "met" : "missed",
      note: `peak RSS ${median(rss).toFixed(0)} MB`,
    },
  ];
}
