import type { CoreDeps } from "../deps.js";
import { findDeliverableMailboxRows } from "../mailboxes/mailbox.repository.js";
import type { HostedRecipient } from "../delivery/hosted-store.js";

export type Route =
  | { kind: "hosted"; recipient: HostedRecipient }
  /** On a domain this server is authoritative for, but no such mailbox: a 550 we give ourselves. */
  | { kind: "unknown"; address: string; response: string }
  | { kind: "remote"; address: string };

/**
 * Where each recipient's copy goes (in the order given). Mail for our own domains never leaves the
 * server: it goes into the mailbox (the receiving side's storage path), or bounces at once as our
 * MX would answer. One query for the mailboxes, one more only for domains that might be ours.
 */
export async function routeRecipients(deps: CoreDeps, addresses: readonly string[]): Promise<Route[]> {
  const mailboxes = new Map((await findDeliverableMailboxRows(deps.db, addresses)).map((m) => [m.address, m]));
  const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1);
  const isSystem = (domain: string) => deps.config.systemDomains.some((d) => d.domain === domain);
  const toCheck = [...new Set(addresses.filter((a) => !mailboxes.has(a)).map(domainOf).filter((d) => !isSystem(d)))];
  const activeCustom =
    toCheck.length === 0
      ? new Set<string>()
      : new Set(
          (await deps.db.selectFrom("domains").select("name").where("name", "in", toCheck).where("status", "=", "active").execute()).map(
            (d) => d.name,
          ),
        );
  return addresses.map((address): Route => {
    const mailbox = mailboxes.get(address);
    if (mailbox) return { kind: "hosted", recipient: { address, mailboxId: mailbox.id, tenantId: mailbox.tenant_id } };
    const domain = domainOf(address);
    if (isSystem(domain) || activeCustom.has(domain)) return { kind: "unknown", address, response: "550 5.1.1 No such mailbox here" };
    return { kind: "remote", address };
  });
}
