// Start-up benchmark: `node apps/api/dist/main.js` to a healthy /healthz, on PGlite, first start
// (empty data directory) and restart (existing data), with the server's peak RSS.
// Run: pnpm build && node bench/startup.mjs [runs]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const port = 39_000 + Math.floor(Math.random() * 1000);

async function startOnce(dataDir) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "apps/api/dist/main.js")], {
    env: { PATH: process.env.PATH, PORT: String(port), MAILROOM_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 60_000) throw new Error("no healthy server within 60 s");
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const result = { ms, rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return result;
}

const rows = [];
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-bench-startup-"));
  rows.push({ run: i + 1, kind: "first start", ...(await startOnce(dataDir)) });
  rows.push({ run: i + 1, kind: "restart", ...(await startOnce(dataDir)) });
  rmSync(dataDir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const kind of ["first start", "restart"]) {
  const of = rows.filter((r) => r.kind === kind);
  console.log(
    `${kind.padEnd(12)} to healthy: median ${median(of.map((r) => r.ms)).toFixed(0)} ms ` +
      `(runs: ${of.map((r) => r.ms.toFixed(0)).join(", ")}); RSS ${median(of.map((r) => r.rssMb)).toFixed(0)} MB, ` +
      `peak ${median(of.map((r) => r.peakRssMb)).toFixed(0)} MB`,
  );
}
