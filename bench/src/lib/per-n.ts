import { PROCESSES, log } from "./env.js";
import { errorRow, type Row } from "./table.js";

/** Every per-N row's label ends so: "…, PostgreSQL, N=2". */
export const withN = (label: string, processes: number) => `${label}, N=${processes}`;

/** The process count whose rows also carry the info comparisons (smtp-sink, raw): one set keeps the table readable. */
export const FIRST_N = PROCESSES[0]!;

/**
 * One measurement of ours per process count in BENCH_PROCESSES, its rows in that order. A count that
 * fails (say a server that does not start with N=2) is an error row; the other counts still run.
 */
export async function forEachN(label: string, measure: (processes: number) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of PROCESSES) {
    try {
      rows.push(...(await measure(n)));
    } catch (err) {
      log(`${withN(label, n)} failed: ${err instanceof Error ? err.stack : String(err)}`);
      rows.push(errorRow(withN(label, n), err));
    }
  }
  return rows;
}
