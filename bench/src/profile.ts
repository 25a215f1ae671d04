// pnpm bench:profile <inbound|inbound-kept|inbox|send|outbound>: one load against our server (PostgreSQL)
// under `node --cpu-prof`, then the hottest functions and packages by self time, and the
// database's commits per unit of work. What limits a missed target shows up here.
//   BENCH_PROFILE_COUNT=5000   messages for the inbound and outbound loads (HTTP loads run 10 s)
//   BENCH_PROFILE_CPU=0        no --cpu-prof: the figure without the profiler's overhead
//   BENCH_PROFILE_POOL=50      DATABASE_POOL_SIZE for the profiled server
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_DNS_RECORDS, LoopbackDns, SENDER } from "./lib/dns.js";
import { BENCH, log } from "./lib/env.js";
import { createTenantWithMailbox, startMailroom } from "./lib/mailroom.js";
import { createDatabase, withClient } from "./lib/postgres.js";
import { seedInboxSql } from "./lib/seed.js";
import { sendLoad } from "./lib/send-load.js";
import { smtpSource, startSmtpSink, wrk } from "./lib/tools.js";

const load = process.argv[2] ?? "inbound";
const loads = ["inbound", "inbound-kept", "inbox", "send", "outbound"];
if (!loads.includes(load)) throw new Error(`unknown load "${load}" (known: ${loads.join(", ")})`);
const count = Number(process.env.BENCH_PROFILE_COUNT ?? 5000);
const profiling = process.env.BENCH_PROFILE_CPU !== "0";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per package (node_modules/<name>, our own code, node internals). */
function summarize(profile: CpuProfile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(/.*\/node_modules\//, "");
    const key = `${functionName || "(anonymous)"} ${where.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const inModules = url.split("/node_modules/").pop() ?? "";
    const name = url.includes("/node_modules/")
      ? inModules
          .split("/")
          .slice(0, inModules.startsWith("@") ? 2 : 1)
          .join("/")
      : url.startsWith("node:") || url === ""
        ? functionName.startsWith("(")
          ? functionName
          : `node ${url || "(native)"}`
        : "mailroom";
    pkg.set(name, (pkg.get(name) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join("\n");
  // The profile covers the whole process life: "(idle)" includes start-up and any seeding before the load.
  return `self time by package:\n${top(pkg, 15)}\n\nself time by function:\n${top(fn, 30)}`;
}

const dns = await LoopbackDns.start(BENCH_DNS_RECORDS);
const db = await createDatabase("profile");
const profileDir = mkdtempSync(join(tmpdir(), "mailroom-profile-"));
const sink = load === "outbound" ? await startSmtpSink() : undefined;
const relayUrl = sink ? `smtp://127.0.0.1:${sink.port}` : undefined;
try {
  if (sink) {
    // The queue filled first by a process that delivers nothing; the profiled one only delivers.
    const queueing = await startMailroom({
      store: { kind: "postgres", url: db.url },
      dns: dns.address,
      relayUrl,
      env: { MAILROOM_DELIVERY_CONCURRENCY: "0" },
    });
    const tenant = await createTenantWithMailbox(queueing.url);
    const text = "x".repeat(5000);
    await sendLoad({
      base: queueing.url,
      key: tenant.apiKey,
      count,
      concurrency: 50,
      body: (i) => ({ from: tenant.address, to: `user${i}@remote.bench.test`, subject: `outbound ${i}`, text }),
    });
    await queueing.stop();
  }
  const started = performance.now();
  const server = await startMailroom({
    relayUrl,
    store: { kind: "postgres", url: db.url },
    dns: dns.address,
    greetPauseMs: 0,
    nodeArgs: [
      ...(profiling ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_PROFILE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
    ],
    env: process.env.BENCH_PROFILE_POOL ? { DATABASE_POOL_SIZE: process.env.BENCH_PROFILE_POOL } : undefined,
  });
  let work = 0;
  const commits = () =>
    withClient(db.url, async (c) =>
      Number(
        (await c.query<{ n: string }>("select xact_commit as n from pg_stat_database where datname = current_database()"))
          .rows[0]!.n,
      ),
    );
  let before = 0;
  try {
    if (load === "outbound") {
      before = await commits();
      for (;;) {
        const pending = await withClient(db.url, async (c) =>
          Number((await c.query<{ n: string }>("select count(*) as n from deliveries where status <> 'sent'")).rows[0]!.n),
        );
        if (pending === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seconds = (performance.now() - started) / 1000;
      log(
        `outbound: ${count} delivered in ${seconds.toFixed(1)} s from the process start (${(count / seconds).toFixed(0)}/s; start-up ${(server.startMs / 1000).toFixed(1)} s)`,
      );
      work = count;
    } else {
      const tenant = await createTenantWithMailbox(server.url);
      if (load === "inbox") {
        for (const statement of seedInboxSql(tenant.tenantId, tenant.mailboxId, tenant.address, 100_000))
          await withClient(db.url, (c) => c.query(statement));
      }
      before = await commits();
      if (load.startsWith("inbound")) {
        const r = await smtpSource({
          port: server.ports.smtp,
          sessions: Number(process.env.BENCH_PROFILE_SESSIONS ?? 50),
          messages: count,
          keepConnections: load === "inbound-kept",
          from: SENDER,
          to: tenant.address,
        });
        log(`${load}: ${r.ok ? `${r.perSecond.toFixed(0)} msgs/s` : `failed: ${r.error}`}`);
        work = count;
      } else {
        const headers = { authorization: `Bearer ${tenant.apiKey}` };
        let script: string | undefined;
        if (load === "send") {
          script = join(profileDir, "post.lua");
          const body = { from: tenant.address, to: tenant.address, subject: "bench", text: "hello from the send benchmark" };
          writeFileSync(
            script,
            [
              `wrk.method = "POST"`,
              `wrk.body = ${JSON.stringify(JSON.stringify(body))}`,
              `wrk.headers["Content-Type"] = "application/json"`,
              "",
            ].join("\n"),
          );
        }
        const url = load === "send" ? `${server.url}/api/v1/send` : `${server.url}/api/v1/inbox/${tenant.mailboxId}?limit=50`;
        const r = await wrk({ url, connections: 50, seconds: 10, headers, ...(script ? { script } : {}) });
        log(
          `${load}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, non-2xx ${r.non2xx}`,
        );
        work = Math.round(r.perSecond * 10);
      }
    }
  } finally {
    const after = await commits().catch(() => before);
    const peakMb = server.proc.peakRssMb();
    await server.stop();
    log(`peak RSS (VmHWM) of the server: ${peakMb} MB`);
    if (work > 0)
      log(`database commits per ${load.includes("bound") ? "message" : "request"}: ${((after - before) / work).toFixed(2)}`);
  }
  const file = profiling ? readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile")) : "";
  if (profiling && !file) throw new Error("no .cpuprofile written (did the server exit cleanly?)");
  if (file) {
    const text = readFileSync(join(profileDir, file), "utf8");
    // Kept for Chrome DevTools / speedscope (bottom-up view), out of git.
    mkdirSync(join(BENCH, "scratch"), { recursive: true });
    const kept = join(BENCH, "scratch", `${load}.cpuprofile`);
    writeFileSync(kept, text);
    process.stdout.write(`\n${summarize(JSON.parse(text) as CpuProfile)}\n\nprofile: ${kept}\n`);
  }
} finally {
  rmSync(profileDir, { recursive: true, force: true });
  await sink?.stop();
  await db.drop();
  await dns.stop();
}
process.exit(0);
