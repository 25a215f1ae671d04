import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** The MX's port (SMTP_PORT, random unless given). */
  smtpPort: number;
  url: string;
  /** Every line the process has logged so far (stdout and stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `node src/main.ts` (through tsx) as its own process, as `pnpm start` would run it. */
export function runMain(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--conditions=@mailroom/source", "--import", "tsx", MAIN], {
    cwd: ROOT,
    // One process unless a test asks for a cluster (the default on PostgreSQL is one per core).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MAILROOM_PROCESSES: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

/**
 * Start a server process and wait for its "mailroom started" log line. No deadline of its own by
 * default: start-up on a loaded machine takes what it takes, and the calling test's timeout is the bound.
 */
export async function startServerProcess(env: Record<string, string | undefined>, timeoutMs?: number): Promise<ServerProcess> {
  const { child, output } = runMain({
    PORT: "0",
    SMTP_PORT: "0",
    SUBMISSION_PORT: "0",
    POP3_PORT: "0",
    POP3S_PORT: "0",
    IMAP_PORT: "0",
    IMAPS_PORT: "0",
    LOG_LEVEL: "info",
    ...env,
  });
  const ports = await new Promise<{ port: number; smtpPort: number }>((resolve, reject) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      for (const line of output().split("\n")) {
        if (!line.includes('"mailroom started"')) continue;
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve(JSON.parse(line) as { port: number; smtpPort: number });
        return;
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output()}`));
    });
  });
  const { port, smtpPort } = ports;
  return {
    child,
    port,
    smtpPort,
    url: `http://127.0.0.1:${port}`,
    output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}
