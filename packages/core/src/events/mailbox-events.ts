import type { MailboxRow } from "../mailboxes/mailbox.table.js";
import type { NewEvent } from "./event-log.js";

/** mailbox.created, mailbox.deleted (by its owner) and mailbox.expired (removed once past its expiry). */
export function mailboxEvent(type: "mailbox.created" | "mailbox.deleted" | "mailbox.expired", row: MailboxRow): NewEvent {
  return {
    tenantId: row.tenant_id,
    type,
    mailboxId: row.id,
    domainId: row.domain_id,
    data: {
      mailbox_id: row.id,
      address: row.address,
      domain: row.domain,
      domain_id: row.domain_id,
      tag: row.tag,
      expires_at: row.expires_at?.toISOString() ?? null,
      created_at: row.created_at.toISOString(),
    },
  };
}
