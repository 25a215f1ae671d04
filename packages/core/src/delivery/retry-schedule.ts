import type { DeliveryStatus } from "@mailroom/contracts";

/** What one delivery attempt came to. */
export type AttemptOutcome =
  | { kind: "delivered"; response: string }
  /** 4xx, a connection failure, a timeout: worth trying again later. */
  | { kind: "temporary"; response: string }
  /** 5xx: the receiving side said no for good. */
  | { kind: "permanent"; response: string };

export interface NextStep {
  status: Extract<DeliveryStatus, "sent" | "deferred" | "bounced" | "failed">;
  /** When to try again (deferred only). */
  nextAttemptAt: Date | null;
}

/**
 * Where a recipient goes after an attempt. Temporary failures wait `schedule[attempt - 1]` seconds
 * (the last value repeating); the last retry is moved up to the deadline rather than skipped, and
 * a temporary failure at or past the deadline is final.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attempts: number,
  now: Date,
  deliverBy: Date,
  scheduleSeconds: readonly number[],
): NextStep {
  if (outcome.kind === "delivered") return { status: "sent", nextAttemptAt: null };
  if (outcome.kind === "permanent") return { status: "bounced", nextAttemptAt: null };
  if (now.getTime() >= deliverBy.getTime()) return { status: "failed", nextAttemptAt: null };
  const delay = retryDelaySeconds(attempts, scheduleSeconds);
  const at = Math.min(now.getTime() + delay * 1000, deliverBy.getTime());
  return { status: "deferred", nextAttemptAt: new Date(at) };
}

/** Seconds to wait after attempt number `attempts` (1-based). */
export function retryDelaySeconds(attempts: number, scheduleSeconds: readonly number[]): number {
  if (scheduleSeconds.length === 0) return 60;
  const index = Math.min(Math.max(attempts, 1), scheduleSeconds.length) - 1;
  return scheduleSeconds[index]!;
}
