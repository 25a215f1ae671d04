import type { AttemptResult } from "./webhook-request.js";

/** An endpoint that has failed every attempt for this long is disabled. */
export const FAILING_DISABLE_MS = 72 * 3600 * 1000;

export interface DeliveryState {
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: Date | null;
}

/**
 * Where a delivery goes after attempt number `attempt` (1-based): 2xx succeeds; anything else waits
 * `schedule[attempt - 1]` seconds, and once the schedule is spent the delivery is failed.
 */
export function afterAttempt(
  result: AttemptResult,
  attempt: number,
  scheduleSeconds: readonly number[],
  now: Date,
): DeliveryState {
  if (result.success) return { status: "succeeded", nextAttemptAt: null };
  const delay = scheduleSeconds[attempt - 1];
  if (delay === undefined) return { status: "failed", nextAttemptAt: null };
  return { status: "pending", nextAttemptAt: new Date(now.getTime() + delay * 1000) };
}

export interface EndpointHealth {
  failingSince: Date | null;
  /** Why to disable the endpoint now, if so. */
  disableReason: string | undefined;
}

/**
 * An endpoint's health after a batch of attempts, in order: a success clears its failing streak;
 * `410 Gone` disables it at once; a streak of failures that began 72 hours ago or more disables it.
 */
export function endpointHealth(failingSince: Date | null, results: readonly AttemptResult[], now: Date): EndpointHealth {
  let since = failingSince;
  for (const r of results) {
    if (r.httpStatus === 410) {
      return { failingSince: since ?? r.at, disableReason: "The endpoint answered 410 Gone" };
    }
    since = r.success ? null : (since ?? r.at);
  }
  if (since && now.getTime() - since.getTime() >= FAILING_DISABLE_MS) {
    return { failingSince: since, disableReason: `Every attempt has failed since ${since.toISOString()} (3 days)` };
  }
  return { failingSince: since, disableReason: undefined };
}
