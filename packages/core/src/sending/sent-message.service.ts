import type { SentMessage } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { findTenantOutboundMessage, listMessageDeliveries } from "../delivery/delivery.repository.js";

/** A sent message and each recipient's delivery; undefined when the id is not one of the tenant's sent messages. */
export async function findSentMessage(deps: CoreDeps, tenantId: string, id: string): Promise<SentMessage | undefined> {
  const message = await findTenantOutboundMessage(deps.db, tenantId, id);
  if (!message) return undefined;
  const deliveries = await listMessageDeliveries(deps.db, id);
  return {
    id: message.id,
    direction: "outbound",
    from: message.from_address,
    to: message.to_addresses,
    cc: message.cc_addresses,
    subject: message.subject,
    message_id_header: message.message_id_header,
    size: message.size,
    tags: message.tags,
    created_at: message.created_at.toISOString(),
    deliveries: deliveries.map((d) => ({
      recipient: d.recipient,
      status: d.status,
      hosted: d.mailbox_id !== null,
      copy_message_id: d.copy_message_id,
      attempts: d.attempts,
      next_attempt_at: d.status === "queued" || d.status === "deferred" ? (d.next_attempt_at?.toISOString() ?? null) : null,
      last_response: d.last_response,
      updated_at: d.updated_at.toISOString(),
    })),
  };
}
