import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { log } from "./env.js";

/** Every child the bench started and has not seen exit: stopped on the way out, whatever happens. */
const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping ${live.size} child process(es)`);
    killAll();
    process.exit(130);
  });
}

export interface Managed {
  child: ChildProcess;
  pid: number;
  name: string;
  /** The last 64 KB the process wrote (stdout and stderr). */
  output(): string;
  /** Peak resident set (VmHWM) so far, in MB; 0 once it has exited. */
  peakRssMb(): number;
  exited(): boolean;
  /** Signal it and wait for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function start(name: string, command: string, args: string[], options: SpawnOptions = {}): Managed {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  live.add(child);
  let tail = "";
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-65_536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let done = false;
  const exit = once(child, "exit").then(() => {
    done = true;
    live.delete(child);
  });
  const pid = child.pid;
  return {
    child,
    pid,
    name,
    output: () => tail,
    exited: () => done,
    peakRssMb: () => (done ? 0 : procStatusKb(pid, "VmHWM") / 1024),
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 15_000) {
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * `pid` and every process under it (a node:cluster primary's workers), from /proc's children lists.
 * Each thread has its own list (the children it forked): reading every thread's misses none.
 */
export function processTree(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // gone
  }
  const children = tids.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
    } catch {
      return []; // the thread ended meanwhile
    }
  });
  return [pid, ...children.flatMap(processTree)];
}

export function procStatusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command to completion (killed after `timeoutMs`). */
export async function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  live.delete(child);
  return { code, stdout, stderr, ms: performance.now() - started };
}
