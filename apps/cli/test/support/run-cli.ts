import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI_MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
/** `node` with the arguments that run the CLI's sources (tests never run a stale bundle). */
export const CLI_COMMAND = [process.execPath, "--conditions=@mailroom/source", "--import", "tsx", CLI_MAIN];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `mailroom` CLI (from source, through tsx) as a child process. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI_COMMAND[0]!, [...CLI_COMMAND.slice(1), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface PtyRun {
  child: ChildProcess;
  /** The CLI's own process id, once its shell has printed it. */
  pid: Promise<number>;
  output(): string;
  exit: Promise<{ code: number | null; ms: number }>;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI on a pseudo-terminal that reports 0 columns, as `script` (util-linux) gives one: stderr is
 * a TTY, yet nothing can be drawn on it. The shell prints its pid, then execs the CLI in its place.
 */
export function runCliOnZeroColumnTerminal(args: string[], env: Record<string, string> = {}): PtyRun {
  const command = `stty cols 0; echo "PID:$$"; exec ${[...CLI_COMMAND, ...args].map(shellQuote).join(" ")}`;
  const started = Date.now();
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm-256color", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const pid = new Promise<number>((resolve, reject) => {
    const check = () => {
      const match = /PID:(\d+)/.exec(output);
      if (match) {
        child.stdout!.off("data", check);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", () => reject(new Error(`exited before printing its pid:\n${output}`)));
  });
  pid.catch(() => undefined);
  const exit = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, ms: Date.now() - started })),
  );
  return { child, pid, output: () => output, exit };
}
