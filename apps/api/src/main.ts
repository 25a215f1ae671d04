import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ConfigError, type MailroomConfig } from "@mailroom/contracts";
import type { Logger } from "@mailroom/core";
import { knownSecrets, startMailroom, type RunningMailroom } from "./app.js";
import { runPrimary, STOP_DEADLINE_MS, type StartedPorts, type WorkerReport } from "./cluster-primary.js";
import { createProcessLogger } from "./process-logger.js";
import { startFailure } from "./start-failure.js";
import { loadConfig } from "./env.js";

/**
 * The process entry. One process (MAILROOM_PROCESSES=1) runs everything itself; more make this a
 * node:cluster primary that does the once-only start-up work, then forks workers that share the
 * listening sockets, replaces those that die, and drains them all on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfigOrExit();
  if (cluster.isWorker) return runWorker(config);
  const processes = processCount(config);
  if (processes === 1) return runAlone(config, startedAt);
  // Workers run this module (the bundle or, under tsx, the source), not whatever launched it.
  return runPrimary(config, { processes, startedAt, workerEntry: fileURLToPath(import.meta.url) });
}

function loadConfigOrExit(): MailroomConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** `auto`: one process per core on PostgreSQL; the embedded PGlite database belongs to one process. */
function processCount(config: MailroomConfig): number {
  if (config.processes !== "auto") return config.processes;
  return config.databaseUrl ? availableParallelism() : 1;
}

async function runAlone(config: MailroomConfig, startedAt: number): Promise<void> {
  const logger = await createProcessLogger(config.logLevel, knownSecrets(config));
  let app: RunningMailroom;
  try {
    app = await startMailroom({ config, logger });
  } catch (err) {
    const failure = startFailure(err, config);
    if (!failure) throw err;
    process.stderr.write(`${failure.message}\n`);
    process.exit(failure.code);
  }
  logger.info({ ms: Math.round(performance.now() - startedAt), ...portsOf(app) }, "mailroom started");
  stopOnSignals(app, logger);
}

async function runWorker(config: MailroomConfig): Promise<void> {
  const id = cluster.worker!.id;
  const logger = (await createProcessLogger(config.logLevel, knownSecrets(config))).child({ worker: id, pid: process.pid });
  let app: RunningMailroom;
  try {
    app = await startMailroom({ config, logger, prepared: true, workerId: id });
  } catch (err) {
    // The primary says it, once for all workers, and ends the cluster.
    const failure = startFailure(err, config) ?? { code: 1, message: `mailroom failed to start: ${describe(err)}` };
    await report({ type: "failed", ...failure });
    process.exit(failure.code);
  }
  const ports = portsOf(app);
  logger.info(ports, "worker started");
  await report({ type: "ready", ports });
  const stop = stopOnSignals(app, logger);
  // The primary is gone (killed outright): nobody hands this worker connections, but its workers
  // would go on delivering. Stop like on SIGTERM.
  process.on("disconnect", () => stop("primary gone"));
}

function report(message: WorkerReport): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * SIGTERM/SIGINT stop the app gracefully (listeners, then workers, then the database) and exit 0;
 * returns the same stop for other reasons.
 */
function stopOnSignals(app: RunningMailroom, logger: Logger): (reason: string) => void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), STOP_DEADLINE_MS);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  return shutdown;
}

function portsOf(app: RunningMailroom): StartedPorts {
  return { port: app.httpPort, smtpPort: app.smtpPort, imapPort: app.imap?.port ?? null, pop3Port: app.pop3Port };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

main().catch((err: unknown) => {
  process.stderr.write(`mailroom failed to start: ${describe(err)}\n`);
  process.exit(1);
});
