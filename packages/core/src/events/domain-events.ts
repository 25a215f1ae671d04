import type { DnsRecordCheck } from "@mailroom/contracts";
import type { DomainRow } from "../domains/domain.table.js";
import type { NewEvent } from "./event-log.js";

/**
 * domain.verified (the domain became active) or domain.failed (an active domain's records broke);
 * undefined when the status did not move to either.
 */
export function domainStatusEvent(
  previous: DomainRow["status"],
  updated: DomainRow,
  checks: DnsRecordCheck[],
): NewEvent | undefined {
  if (updated.status === previous) return undefined;
  const type = updated.status === "active" ? "domain.verified" : updated.status === "failed" ? "domain.failed" : undefined;
  if (!type) return undefined;
  return {
    tenantId: updated.tenant_id,
    type,
    domainId: updated.id,
    data: {
      domain_id: updated.id,
      domain: updated.name,
      status: updated.status,
      previous_status: previous,
      failure_reason: updated.failure_reason,
      // What kept it from verifying, or broke it: the required records not found.
      failed_records: checks
        .filter((c) => c.required && !c.found)
        .map((c) => ({ type: c.type, host: c.host, expected: c.value, observed: c.observed, reason: c.reason, error: c.error })),
      checked_at: updated.checked_at?.toISOString() ?? null,
    },
  };
}
