// pnpm drill: durability drills, each printing `N passed, N failed`. Not part of pnpm test or CI.
//   pnpm drill                              all: inbound SIGKILL ×5 on PostgreSQL and ×5 on PGlite,
//                                           outbound SIGKILL, PostgreSQL restart under load,
//                                           webhooks SIGKILL on each store
//   pnpm drill --only inbound,outbound,pg-restart,webhooks
//   DRILL_WEBHOOK_MESSAGES=2000             messages the webhooks drill sends (at most DRILL_MESSAGES)
//   DRILL_WEBHOOK_WAIT_S=300                how long it waits for every event at the endpoint
//   DRILL_MESSAGES=500 DRILL_RUNS=1         a short trial (defaults 10000 and 5; the outbound drill
//                                           sends DRILL_MESSAGES / 2, so 5000 by default)
//   DRILL_OUTBOUND_STORES=postgres          the outbound drill's stores (default postgres,pglite)
//   DRILL_OUTBOUND_WAIT_S=720               how long it waits for the queue to drain after the
//                                           restart (a killed worker's claims wait out their lease)
//   DRILL_PG_RESTART='…'                    the command that restarts PostgreSQL (default: the
//                                           machine's cluster via pg_ctlcluster: quiet machine only)
import { BENCH_DNS_RECORDS, LoopbackDns } from "../src/lib/dns.js";
import { log } from "../src/lib/env.js";
import { assertBuilt } from "../src/lib/mailroom.js";
import { inboundKill } from "./inbound.js";
import { outboundKill } from "./outbound.js";
import { pgRestart } from "./pg-restart.js";
import { webhooksKill } from "./webhooks.js";

export interface DrillContext {
  dns: string;
  messages: number;
}

export interface DrillResult {
  name: string;
  status: "passed" | "failed" | "not available yet";
  detail: string;
}

const runs = Number(process.env.DRILL_RUNS ?? 5);
const outboundStores = (process.env.DRILL_OUTBOUND_STORES ?? "postgres,pglite").split(",") as ("postgres" | "pglite")[];
const drills: Record<string, (ctx: DrillContext) => Promise<DrillResult[]>> = {
  inbound: async (ctx) => {
    const out: DrillResult[] = [];
    for (const kind of ["postgres", "pglite"] as const)
      for (let i = 1; i <= runs; i++) out.push(await guard(`inbound #${i} (${kind})`, () => inboundKill(ctx, kind, i)));
    return out;
  },
  outbound: async (ctx) => {
    const out: DrillResult[] = [];
    for (const kind of outboundStores) out.push(await guard(`outbound SIGKILL (${kind})`, () => outboundKill(ctx, kind)));
    return out;
  },
  "pg-restart": async (ctx) => [await guard("PostgreSQL restart", () => pgRestart(ctx))],
  webhooks: async (ctx) => {
    const out: DrillResult[] = [];
    for (const kind of ["postgres", "pglite"] as const)
      out.push(await guard(`webhooks SIGKILL (${kind})`, () => webhooksKill(ctx, kind)));
    return out;
  },
};

async function guard(name: string, fn: () => Promise<DrillResult>): Promise<DrillResult> {
  try {
    return await fn();
  } catch (err) {
    log(`${name} errored: ${err instanceof Error ? err.stack : String(err)}`);
    return { name, status: "failed", detail: `error: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
  }
}

const onlyArg = process.argv.indexOf("--only");
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? "").split(",") : Object.keys(drills);
for (const name of only) if (!drills[name]) throw new Error(`unknown drill "${name}" (known: ${Object.keys(drills).join(", ")})`);

assertBuilt();
const dns = await LoopbackDns.start(BENCH_DNS_RECORDS);
const ctx: DrillContext = { dns: dns.address, messages: Number(process.env.DRILL_MESSAGES ?? 10_000) };
const summary: string[] = [];
try {
  for (const name of only) {
    log(`— ${name}`);
    const results = await drills[name]!(ctx);
    for (const r of results) process.stdout.write(`${r.status.padEnd(17)} ${r.name}: ${r.detail}\n`);
    const passed = results.filter((r) => r.status === "passed").length;
    const failed = results.filter((r) => r.status === "failed").length;
    const na = results.length - passed - failed;
    const line = `${name}: ${passed} passed, ${failed} failed${na ? `, ${na} skipped` : ""}`;
    process.stdout.write(`${line}\n`);
    summary.push(line);
  }
} finally {
  await dns.stop();
}
process.stdout.write(`\n${summary.join("\n")}\n`);
process.exit(summary.some((l) => !/ 0 failed/.test(l)) ? 1 : 0);
