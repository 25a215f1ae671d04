import type { CoreDeps } from "../deps.js";
import { findDeliverableMailboxRow } from "../mailboxes/mailbox.repository.js";
import type { HostedRecipient } from "../delivery/hosted-store.js";

export type Route =
  | { kind: "hosted"; recipient: HostedRecipient }
  /** On a domain this server is authoritative for, but no such mailbox: a 550 we give ourselves. */
  | { kind: "unknown"; address: string; response: string }
  | { kind: "remote"; address: string };

/**
 * Where one recipient's copy goes. Mail for our own domains never leaves the server: it goes into
 * the mailbox (the receiving side's storage path), or bounces at once as our MX would answer.
 */
export async function routeRecipient(deps: CoreDeps, address: string): Promise<Route> {
  const mailbox = await findDeliverableMailboxRow(deps.db, address);
  if (mailbox) return { kind: "hosted", recipient: { address, mailboxId: mailbox.id, tenantId: mailbox.tenant_id } };
  const domain = address.slice(address.lastIndexOf("@") + 1);
  const ours =
    deps.config.systemDomains.some((d) => d.domain === domain) ||
    (await deps.db
      .selectFrom("domains")
      .select("id")
      .where("name", "=", domain)
      .where("status", "=", "active")
      .executeTakeFirst()) !== undefined;
  if (ours) return { kind: "unknown", address, response: "550 5.1.1 No such mailbox here" };
  return { kind: "remote", address };
}
