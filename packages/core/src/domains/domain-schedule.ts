import type { DnsRecordCheck } from "@mailroom/contracts";
import type { CheckOutcome } from "./domain.repository.js";
import type { DomainStatus } from "./domain.table.js";

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long a claimed check may take before another server may take the domain again. */
export const CHECK_LEASE_SECONDS = 5 * MINUTE;

/** A fresh domain is re-checked often while its owner edits DNS, then less and less. */
export function pendingRecheckSeconds(createdAt: Date, now: Date): number {
  const age = (now.getTime() - createdAt.getTime()) / 1000;
  if (age < DAY) return 10 * MINUTE;
  if (age < 7 * DAY) return HOUR;
  return DAY;
}

/**
 * The state a domain moves to after a look-up. Required records all found → active. An active
 * domain fails only on records that are really missing or wrong; a failed lookup (SERVFAIL,
 * timeout) proves nothing, so it stays active and is looked at again soon.
 */
export function decideOutcome(
  current: { status: DomainStatus; created_at: Date },
  checks: DnsRecordCheck[],
  now: Date,
): CheckOutcome {
  const required = checks.filter((c) => c.required);
  const lastCheck = { records: checks };
  if (required.every((c) => c.found)) {
    return { status: "active", verified: true, failureReason: null, nextCheckInSeconds: DAY, lastCheck };
  }
  const broken = required.filter((c) => !c.found && c.error === null);
  const reason = required
    .filter((c) => !c.found)
    .map((c) => c.reason)
    .join("; ");
  switch (current.status) {
    case "pending_verification":
      return {
        status: "pending_verification",
        verified: false,
        failureReason: null,
        nextCheckInSeconds: pendingRecheckSeconds(current.created_at, now),
        lastCheck,
      };
    case "active":
      if (broken.length === 0) {
        return { status: "active", verified: false, failureReason: null, nextCheckInSeconds: 15 * MINUTE, lastCheck };
      }
      return { status: "failed", verified: false, failureReason: reason, nextCheckInSeconds: HOUR, lastCheck };
    case "failed":
      return { status: "failed", verified: false, failureReason: reason, nextCheckInSeconds: HOUR, lastCheck };
  }
}
