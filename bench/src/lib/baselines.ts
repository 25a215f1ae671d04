import { join } from "node:path";
import { BENCH, ExitedError, freePort, waitFor } from "./env.js";
import { start, type Managed } from "./processes.js";
import { waitForGreeting } from "./tools.js";

export interface Baseline {
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

function spawnBaseline(file: string, env: Record<string, string>): Managed {
  return start(file, process.execPath, ["--import", "tsx", join(BENCH, "baselines", file)], {
    cwd: BENCH,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
}

/** baselines/smtp-pg.ts: plain smtp-server + pg, one row per message. */
export async function startSmtpBaseline(databaseUrl: string): Promise<Baseline> {
  const port = await freePort();
  const proc = spawnBaseline("smtp-pg.ts", { PORT: String(port), DATABASE_URL: databaseUrl });
  await waitForGreeting(port, proc);
  return { port, proc, stop: () => proc.stop() };
}

/** baselines/http-pg.ts: plain node:http + pg, the inbox query and the send insert. */
export async function startHttpBaseline(env: { databaseUrl: string; tenantId: string; mailboxId: string }): Promise<Baseline> {
  const port = await freePort();
  const proc = spawnBaseline("http-pg.ts", {
    PORT: String(port),
    DATABASE_URL: env.databaseUrl,
    TENANT_ID: env.tenantId,
    MAILBOX_ID: env.mailboxId,
  });
  await waitFor("the http-pg baseline", async () => {
    if (proc.exited()) throw new ExitedError(`http-pg baseline exited:\n${proc.output()}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  });
  return { port, proc, stop: () => proc.stop() };
}
