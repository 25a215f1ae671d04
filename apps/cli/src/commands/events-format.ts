/** What a person reads of an event on one line: time, type, and what happened. */
export function eventLine(event: { type: string; timestamp: string; data: Record<string, any> }): string {
  return `${event.timestamp}  ${event.type.padEnd(17)}  ${summary(event.type, event.data)}`;
}

function summary(type: string, d: Record<string, any>): string {
  switch (type) {
    case "message.received":
      return `${d.address} ← ${d.from?.address ?? "(no sender)"}: ${d.subject ?? ""}  ${d.message_id}`;
    case "message.sent":
      return `${d.from} → ${(d.to as string[]).join(", ") || "(bcc only)"}: ${d.subject ?? ""}  ${d.message_id}`;
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
      return JSON.stringify(d).slice(0, 200);
  }
}
