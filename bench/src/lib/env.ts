import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BENCH = join(ROOT, "bench");
export const POSTFIX = join(BENCH, ".tools/postfix");
export const MAIN_JS = join(ROOT, "apps/api/dist/main.js");

/** The PostgreSQL server the bench makes its throw-away databases on (its `test` database to connect). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://root@127.0.0.1:5432/test";

/** BENCH_SCALE=0.05 shrinks every count and duration for a trial of the scripts themselves. */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export const scaled = (n: number, min = 1) => Math.max(min, Math.round(n * SCALE));

/**
 * BENCH_PROCESSES=1,2 (the default): the server's process counts (MAILROOM_PROCESSES) every headline
 * row is measured with, in one run, so the rows for N=1 and N=2 share their peers' figures.
 */
export const PROCESSES = parseProcesses(process.env.BENCH_PROCESSES ?? "1,2");

function parseProcesses(value: string): number[] {
  const counts = value.split(",").map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`BENCH_PROCESSES="${value}": expected process counts like 1,2`);
  return [...new Set(counts)];
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it is true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await check().catch((err: unknown) => {
        if (err instanceof ExitedError) throw err;
        return false;
      })
    )
      return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Thrown by a waitFor check to stop waiting at once (the process being waited on is gone). */
export class ExitedError extends Error {}
