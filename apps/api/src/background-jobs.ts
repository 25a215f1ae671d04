import type { Core, JobSchedule, Logger } from "@mailroom/core";

export interface BackgroundJob {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/** Periodic work; each job's logic lives in core, only the schedule lives here. */
export function backgroundJobs(core: Core): BackgroundJob[] {
  return [
    { name: "prune-rate-limit-windows", everyMs: 60_000, run: () => core.maintenance.pruneRateLimitWindows() },
    // domains
    { name: "recheck-domains", everyMs: 60_000, run: () => core.domains.recheckDue() },

    // mailboxes
    { name: "purge-expired-mailboxes", everyMs: 60_000, run: () => core.maintenance.purgeExpiredMailboxes() },
    { name: "prune-mailbox-tokens", everyMs: 3_600_000, run: () => core.maintenance.pruneMailboxTokens() },

    // receiving
    {
      name: "purge-unreferenced-message-contents",
      everyMs: 60_000,
      run: () => core.maintenance.purgeUnreferencedMessageContents(),
    },

    // sending
    { name: "prune-idempotency-keys", everyMs: 3_600_000, run: () => core.maintenance.pruneIdempotencyKeys() },

    // events
    { name: "prune-events", everyMs: 3_600_000, run: () => core.maintenance.pruneEvents() },
    // webhooks
    { name: "prune-webhook-deliveries", everyMs: 3_600_000, run: () => core.maintenance.pruneWebhookDeliveries() },
  ];
}

/** A run holds its job this long past its last renewal: a process that dies mid-run delays the next one by at most this. */
const LEASE_MS = 60_000;
const RENEW_MS = LEASE_MS / 3;

/**
 * Run each job once per interval across every process on the database (each run is claimed in
 * the job_schedule table, see JobSchedule), never two runs of one job at once; returns a stop
 * function. Each process asks several times per interval, so a run starts soon after it is due
 * whichever process asks first. `everyMs` overrides every job's own interval.
 */
export function scheduleJobs(
  jobs: BackgroundJob[],
  schedule: JobSchedule,
  logger: Logger,
  options: { everyMs?: number | null } = {},
): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    const everyMs = options.everyMs ?? job.everyMs;
    let busy = false;
    const tick = async () => {
      const run = await schedule.claim(job.name, everyMs, LEASE_MS);
      if (!run) return;
      const started = performance.now();
      const renewal = setInterval(() => {
        schedule
          .renew(run, LEASE_MS)
          .catch((err: unknown) => logger.warn({ err, job: job.name }, "background job lease not renewed"));
      }, RENEW_MS);
      try {
        await job.run();
        logger.debug({ job: job.name, ms: Math.round(performance.now() - started), next: run.nextRunAt }, "background job ran");
      } finally {
        clearInterval(renewal);
        await schedule.finish(run);
      }
    };
    const timer = setInterval(
      () => {
        if (busy) return;
        busy = true;
        const run = tick()
          .catch((err: unknown) => logger.warn({ err, job: job.name }, "background job failed"))
          .finally(() => {
            busy = false;
            running.delete(run);
          });
        running.add(run);
      },
      Math.min(Math.max(everyMs / 4, 250), 15_000),
    );
    timer.unref();
    return timer;
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...running]);
  };
}
