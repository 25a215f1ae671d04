import { MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import type { DkimKey } from "./dkim-signer.js";
import type { SystemDkimKey } from "./system-dkim-key.js";
import { isSystemDomain } from "../recipients/recipient-rule.js";

export interface SenderIdentity {
  address: string;
  /** The hosted mailbox sending, when it is one (bounce notices go there). */
  mailboxId: string | null;
  /** That mailbox's \Sent folder (its copy of what it sends goes there); null when it has none or is no mailbox. */
  sentFolderId: string | null;
  /** Its custom domain; null on a system domain. */
  domainId: string | null;
  /** What signs its mail. */
  dkim: DkimKey;
}

export function senderNotAllowed(address: string): MailroomError {
  return new MailroomError(
    "SENDER_NOT_ALLOWED",
    `You may not send as ${address}: it is not one of your mailboxes, nor on one of your active domains`,
  );
}

function domainNotActive(address: string, domain: string, status: string): MailroomError {
  return new MailroomError(
    "SENDER_NOT_ALLOWED",
    `You may not send as ${address}: ${domain} is not verified (its status is ${status}); mail may be sent only from system domains and your active domains`,
  );
}

/**
 * Who may send as `address`, for the API and submission alike. Its domain must be in service for
 * this tenant: a system domain (then only as one of the tenant's live mailboxes) or one of the
 * tenant's active custom domains (then as any address on it). A mailbox on a domain still pending
 * or failed may not send: nobody has shown the domain is the tenant's, and we would sign as it.
 */
export async function authorizeSender(
  deps: CoreDeps,
  systemKey: () => Promise<SystemDkimKey>,
  tenantId: string,
  address: string,
): Promise<SenderIdentity> {
  const domainName = address.slice(address.lastIndexOf("@") + 1);
  // One round trip: the live mailbox, if any, and the tenant's domain of that name, if any.
  const row = await deps.db
    .selectFrom(sql<{ one: number }>`(select 1)`.as("one"))
    .leftJoin("mailboxes as m", (join) =>
      join
        .on("m.address", "=", address)
        .on("m.tenant_id", "=", tenantId)
        .on("m.status", "=", "active")
        .on((w) => w.or([w("m.expires_at", "is", null), w("m.expires_at", ">", sql<Date>`now()`)])),
    )
    .leftJoin("domains as d", (join) => join.on("d.tenant_id", "=", tenantId).on("d.name", "=", domainName))
    .leftJoin("folders as f", (join) => join.onRef("f.mailbox_id", "=", "m.id").on("f.special_use", "=", "\\Sent"))
    .select([
      "m.id as mailbox_id",
      "f.id as sent_folder_id",
      "d.id as domain_id",
      "d.status as domain_status",
      "d.dkim_selector",
      "d.dkim_private_key",
    ])
    .executeTakeFirstOrThrow();

  if (isSystemDomain(deps.config, domainName)) {
    if (!row.mailbox_id) throw senderNotAllowed(address);
    const key = await systemKey();
    return {
      address,
      mailboxId: row.mailbox_id,
      sentFolderId: row.sent_folder_id ?? null,
      domainId: null,
      dkim: { domain: domainName, selector: key.selector, privateKeyPem: key.privateKeyPem },
    };
  }
  if (!row.domain_status || !row.dkim_selector || !row.dkim_private_key) throw senderNotAllowed(address);
  if (row.domain_status !== "active") throw domainNotActive(address, domainName, row.domain_status);
  return {
    address,
    mailboxId: row.mailbox_id ?? null,
    sentFolderId: row.sent_folder_id ?? null,
    domainId: row.domain_id ?? null,
    dkim: { domain: domainName, selector: row.dkim_selector, privateKeyPem: row.dkim_private_key },
  };
}
