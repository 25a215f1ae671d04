import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ConfigError, type MailroomConfig } from "@mailroom/contracts";
import type { Logger } from "@mailroom/core";
import { createProcessLogger } from "./process-logger.js";
import { knownSecrets, prepareDatabase, startMailroom, type RunningMailroom } from "./app.js";
import { loadConfig } from "./env.js";

/** How long a stopping process (or cluster) may take before it is ended anyway. */
const STOP_DEADLINE_MS = 30_000;
/** A replaced worker waits 1 s, doubled for each other death in the last minute, at most this. */
const MAX_RESTART_DELAY_MS = 30_000;
const RESTART_WINDOW_MS = 60_000;

/** What a worker tells its primary. */
type WorkerReport = { type: "ready"; ports: StartedPorts } | { type: "failed"; code: number; message: string };

interface StartedPorts {
  port: number | null;
  smtpPort: number | null;
  imapPort: number | null;
  pop3Port: number | null;
}

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
  return runPrimary(config, processes, startedAt);
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

async function runPrimary(config: MailroomConfig, processes: number, startedAt: number): Promise<void> {
  const logger = (await createProcessLogger(config.logLevel, knownSecrets(config))).child({
    cluster: "primary",
    pid: process.pid,
  });
  try {
    await prepareDatabase(config, logger);
  } catch (err) {
    const failure = startFailure(err, config);
    if (!failure) throw err;
    process.stderr.write(`${failure.message}\n`);
    process.exit(failure.code);
  }
  // Workers run this module (the bundle or, under tsx, the source), not whatever launched it.
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url) });

  const ready = new Map<number, StartedPorts>();
  const failures = new Map<number, { code: number; message: string }>();
  const deaths: number[] = [];
  const pendingRestarts = new Set<NodeJS.Timeout>();
  let started = false;
  let stopping = false;
  let exitCode = 0;

  const fork = (replaces?: number): Worker => {
    const worker = cluster.fork();
    logger.info({ worker: worker.id, workerPid: worker.process.pid, ...(replaces ? { replaces } : {}) }, "worker starting");
    return worker;
  };

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());

  const stopAll = (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const timer of pendingRestarts) clearTimeout(timer);
    pendingRestarts.clear();
    const workers = live();
    if (code === 0) logger.info({ reason, workers: workers.length }, "shutting down");
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker.process.kill("SIGTERM");
    const force = setTimeout(() => {
      for (const worker of live()) worker.process.kill("SIGKILL");
      process.exit(1);
    }, STOP_DEADLINE_MS + 5_000);
    force.unref();
  };

  cluster.on("message", (worker, message: WorkerReport) => {
    if (message?.type === "failed") failures.set(worker.id, { code: message.code, message: message.message });
    if (message?.type !== "ready") return;
    ready.set(worker.id, message.ports);
    if (started || ready.size < processes) return;
    started = true;
    logger.info(
      { ms: Math.round(performance.now() - startedAt), ...message.ports, processes, roles: [...config.roles] },
      "mailroom started",
    );
  });

  cluster.on("exit", (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    const failure = failures.get(worker.id);
    failures.delete(worker.id);
    if (stopping) {
      if (code !== 0 && code !== null && exitCode === 0) exitCode = 1;
      if (live().length === 0) process.exit(exitCode);
      return;
    }
    // A worker that could not start before the cluster was up (a port taken, a bad setting)
    // would fail the same way again: end the cluster with its reason instead of a restart loop.
    if ((!started && !wasReady) || failure?.code === 78) {
      const reason = failure?.message ?? `worker ${worker.id} exited with ${signal ?? `code ${code}`} before it started`;
      process.stderr.write(`${reason}\n`);
      stopAll(failure?.code ?? (code || 1), "a worker failed to start");
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift();
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (deaths.length - 1));
    logger.warn(
      {
        worker: worker.id,
        workerPid: worker.process.pid,
        code,
        signal,
        restartInMs: delay,
        ...(failure ? { reason: failure.message } : {}),
      },
      "worker died; replacing it",
    );
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork(worker.id);
    }, delay);
    pendingRestarts.add(timer);
  });

  process.on("SIGINT", () => stopAll(0, "SIGINT"));
  process.on("SIGTERM", () => stopAll(0, "SIGTERM"));
  for (let i = 0; i < processes; i++) fork();
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

/** What the operator can fix, as one line and an exit code; undefined for anything else. */
function startFailure(err: unknown, config: MailroomConfig): { code: number; message: string } | undefined {
  if (err instanceof ConfigError) return { code: 78, message: err.message };
  const busy = busyPortMessage(err, config);
  return busy ? { code: 1, message: busy } : undefined;
}

/** `PORT 3000 is already in use (set PORT to another port)`, for a listener that could not bind; else undefined. */
function busyPortMessage(err: unknown, config: MailroomConfig): string | undefined {
  const { code, port } = err as { code?: string; port?: number };
  if (code !== "EADDRINUSE" && code !== "EACCES") return undefined;
  const listeners: [string, number | null][] = [
    ["PORT", config.http.port],
    ["SMTP_PORT", config.smtp.port],
    ["SUBMISSION_PORT", config.smtp.submissionPort],
    ["POP3_PORT", config.pop3.port],
    ["POP3S_PORT", config.pop3.tlsPort],
  ];
  const variable = listeners.find(([, p]) => p === port)?.[0];
  if (!variable) return undefined;
  const problem = code === "EADDRINUSE" ? "is already in use" : "needs privileges this process does not have";
  return `${variable} ${port} ${problem} (set ${variable} to another port)`;
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

main().catch((err: unknown) => {
  process.stderr.write(`mailroom failed to start: ${describe(err)}\n`);
  process.exit(1);
});
