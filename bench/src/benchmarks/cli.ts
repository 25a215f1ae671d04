import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, log } from "../lib/env.js";
import { ADMIN_KEY, startMailroom } from "../lib/mailroom.js";
import { run } from "../lib/processes.js";
import type { Row } from "../lib/table.js";
import type { BenchContext } from "./context.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const CLI_JS = join(ROOT, "apps/cli/dist/main.js");
/** How the CLI ran before it was bundled: its TypeScript sources through tsx. */
const FROM_SOURCE = ["--conditions=@mailroom/source", "--import", "tsx", join(ROOT, "apps/cli/src/main.ts")];

/** Wall time of `node <args>` to exit, median of `runs` after one warm-up. */
async function timeNode(args: string[], env: Record<string, string>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const result = await run(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    });
    if (result.code !== 0) throw new Error(`node ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
    if (i > 0) times.push(result.ms);
  }
  return median(times);
}

/** `mailroom --help` and a `mailroom whoami` round trip: the bundled CLI against its TypeScript sources. */
export async function cli(ctx: BenchContext, runs = Number(process.env.BENCH_CLI_RUNS ?? 7)): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-bench-cli-"));
  const server = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
  try {
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: ADMIN_KEY };
    const nodeAlone = await timeNode(["-e", "0"], {}, runs);
    const help = await timeNode([CLI_JS, "--help"], {}, runs);
    const helpBefore = await timeNode([...FROM_SOURCE, "--help"], {}, runs);
    const whoami = await timeNode([CLI_JS, "whoami"], env, runs);
    const whoamiBefore = await timeNode([...FROM_SOURCE, "whoami"], env, runs);
    log(
      `cli: node alone ${nodeAlone.toFixed(0)} ms; --help ${help.toFixed(0)} ms (sources ${helpBefore.toFixed(0)}); whoami ${whoami.toFixed(0)} ms (sources ${whoamiBefore.toFixed(0)})`,
    );
    const note = `node -e 0 alone: ${(nodeAlone / 1000).toFixed(2)} s`;
    return [
      {
        benchmark: `mailroom --help, bundled (median of ${runs})`,
        ours: help / 1000,
        peer: "tsx sources",
        peerValue: helpBefore / 1000,
        unit: "s",
        target: "≤ 0.3 s",
        status: help <= 300 ? "met" : "missed",
        note,
      },
      {
        benchmark: `mailroom whoami round trip, bundled (median of ${runs})`,
        ours: whoami / 1000,
        peer: "tsx sources",
        peerValue: whoamiBefore / 1000,
        unit: "s",
        target: "≤ 0.5 s",
        status: whoami <= 500 ? "met" : "missed",
        note,
      },
    ];
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
