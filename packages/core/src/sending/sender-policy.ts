import { MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import type { DkimKey } from "./dkim-signer.js";
import type { SystemDkimKey } from "./system-dkim-key.js";

export interface SenderIdentity {
  address: string;
  /** The hosted mailbox sending, when it is one (bounce notices go there). */
  mailboxId: string | null;
  /** What signs its mail. */
  dkim: DkimKey;
}

export function senderNotAllowed(address: string): MailroomError {
  return new MailroomError(
    "SENDER_NOT_ALLOWED",
    `You may not send as ${address}: it is not one of your mailboxes, nor on one of your active domains`,
  );
}

/**
 * Who may send as `address`: one of the tenant's live mailboxes, or any address on one of the
 * tenant's active custom domains. Anything else is another's address: 403.
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
    .select(["m.id as mailbox_id", "d.status as domain_status", "d.dkim_selector", "d.dkim_private_key"])
    .executeTakeFirstOrThrow();
  const mailbox = row.mailbox_id ? { id: row.mailbox_id } : undefined;
  const domain =
    row.domain_status && row.dkim_selector && row.dkim_private_key
      ? { status: row.domain_status, dkim_selector: row.dkim_selector, dkim_private_key: row.dkim_private_key }
      : undefined;
  if (!mailbox && domain?.status !== "active") throw senderNotAllowed(address);

  const isSystem = deps.config.systemDomains.some((d) => d.domain === domainName);
  let dkim: DkimKey;
  if (domain && !isSystem) {
    dkim = { domain: domainName, selector: domain.dkim_selector, privateKeyPem: domain.dkim_private_key };
  } else {
    const key = await systemKey();
    dkim = { domain: domainName, selector: key.selector, privateKeyPem: key.privateKeyPem };
  }
  return { address, mailboxId: mailbox?.id ?? null, dkim };
}
