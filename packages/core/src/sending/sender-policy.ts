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
  const mailbox = await deps.db
    .selectFrom("mailboxes")
    .select(["id", "domain_id"])
    .where("address", "=", address)
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "active")
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]))
    .executeTakeFirst();
  const domain = await deps.db
    .selectFrom("domains")
    .select(["id", "status", "dkim_selector", "dkim_private_key"])
    .where("tenant_id", "=", tenantId)
    .where("name", "=", domainName)
    .executeTakeFirst();

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
