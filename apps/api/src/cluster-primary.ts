import cluster, { type Worker } from "node:cluster";
import type { MailroomConfig } from "@mailroom/contracts";
import { knownSecrets, prepareDatabase } from "./app.js";
import { createProcessLogger } from "./process-logger.js";
import { startFailure } from "./start-failure.js";

/** How long a stopping process (or cluster) may take before it is ended anyway. */
export const STOP_DEADLINE_MS = 30_000;
/** A replaced worker waits 1 s, doubled for each other death in the last minute, at most this. */
const MAX_RESTART_DELAY_MS = 30_000;
const RESTART_WINDOW_MS = 60_000;

/** What a worker tells its primary. */
export type WorkerReport = { type: "ready"; ports: StartedPorts } | { type: "failed"; code: number; message: string };

export interface StartedPorts {
  port: number | null;
  smtpPort: number | null;
  imapPort: number | null;
  pop3Port: number | null;
}

/**
 * The node:cluster primary: the once-only start-up work (migrations, admin key, secrets and DKIM
 * keys), then `processes` workers sharing the listening sockets; a worker that dies is replaced
 * (1 s, doubling with each other death in the last minute); SIGTERM/SIGINT drain them all.
 */
export async function runPrimary(
  config: MailroomConfig,
  { processes, startedAt, workerEntry }: { processes: number; startedAt: number; workerEntry: string },
): Promise<void> {
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
  cluster.setupPrimary({ exec: workerEntry });

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
