import type { Core, Logger } from "@mailroom/core";

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

/** Run each job on its interval, never two runs of one job at once; returns a stop function. */
export function scheduleJobs(jobs: BackgroundJob[], logger: Logger): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = job
        .run()
        .catch((err: unknown) => logger.warn({ err, job: job.name }, "background job failed"))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...running]);
  };
}
