/** What a person reads of an event on one line: time, type, and what happened. */
export function eventLine(event: { type: string; timestamp: string; data: Record<string, unknown> }): string {
  return `${event.timestamp}  ${event.type.padEnd(17)}  ${summary(event.type, event.data)}`;
}

/** The event's data as the catalogue describes it; every field read defensively (a newer server may differ). */
interface EventData {
  address?: string;
  from?: string | { address?: string } | null;
  to?: string[];
  subject?: string;
  message_id?: string;
  recipient?: string;
  attempt?: number;
  response?: { code: number | null; enhanced_code: string | null; text: string } | null;
  next_attempt_at?: string | null;
  domain?: string;
  status?: string;
  previous_status?: string;
  failure_reason?: string | null;
  mailbox_id?: string;
}

function summary(type: string, data: Record<string, unknown>): string {
  const d = data as EventData;
  switch (type) {
    case "message.received": {
      const from = typeof d.from === "object" && d.from ? d.from.address : undefined;
      return `${d.address} ← ${from ?? "(no sender)"}: ${d.subject ?? ""}  ${d.message_id}`;
    }
    case "message.sent":
      return `${d.from} → ${(d.to ?? []).join(", ") || "(bcc only)"}: ${d.subject ?? ""}  ${d.message_id}`;
    case "delivery.sent":
    case "delivery.deferred":
    case "delivery.bounced":
    case "delivery.failed": {
      const reply = d.response ? [d.response.code, d.response.enhanced_code, d.response.text].filter(Boolean).join(" ") : "";
      const next = d.next_attempt_at ? ` (next try ${d.next_attempt_at})` : "";
      return `${d.recipient} attempt ${d.attempt}: ${reply}${next}  ${d.message_id}`;
    }
    case "domain.verified":
    case "domain.failed":
      return `${d.domain} ${d.previous_status} → ${d.status}${d.failure_reason ? `: ${d.failure_reason}` : ""}`;
    case "mailbox.created":
    case "mailbox.deleted":
    case "mailbox.expired":
      return `${d.address}  ${d.mailbox_id}`;
    default:
      return JSON.stringify(data).slice(0, 200);
  }
}
