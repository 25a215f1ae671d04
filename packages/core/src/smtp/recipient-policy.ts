import DataLoader from "dataloader";
import type { CoreDeps } from "../deps.js";
import { findDeliverableMailboxRows } from "../mailboxes/mailbox.repository.js";
import { findDeliverableMailbox, toMailbox, type Mailbox } from "../mailboxes/mailbox.service.js";
import { normaliseAddress } from "../mailboxes/mailbox-address.js";

export type RecipientDecision =
  | { kind: "accept"; mailbox: Mailbox; address: string }
  /** One of our domains, but no mailbox that may receive: 550 5.1.1. */
  | { kind: "unknown"; address: string }
  /** Not our domain at all: 550 5.7.1, we are no relay. */
  | { kind: "foreign"; address: string };

/**
 * Decide one RCPT TO. A domain is ours when it is a system domain or someone's active custom
 * domain; an address on it is accepted only for an active, unexpired mailbox whose own domain is
 * still in service (a system domain still configured, or its custom domain still active).
 */
export async function decideRecipient(
  deps: CoreDeps,
  rawAddress: string,
  findMailbox: (address: string) => Promise<Mailbox | null> = (address) => findDeliverableMailbox(deps, address),
): Promise<RecipientDecision> {
  const address = normaliseAddress(rawAddress);
  const at = address.lastIndexOf("@");
  const domain = at < 0 ? "" : address.slice(at + 1);
  const isSystem = (name: string) => deps.config.systemDomains.some((d) => d.domain === name);

  if (!domain || !(isSystem(domain) || (await isActiveCustomDomain(deps, domain)))) return { kind: "foreign", address };

  const mailbox = await findMailbox(address);
  if (!mailbox) return { kind: "unknown", address };
  const inService = mailbox.domainId === null ? isSystem(mailbox.domain) : await isActiveDomainId(deps, mailbox.domainId);
  return inService ? { kind: "accept", mailbox, address } : { kind: "unknown", address };
}

async function isActiveCustomDomain(deps: CoreDeps, name: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom("domains")
    .select("id")
    .where("name", "=", name)
    .where("status", "=", "active")
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function isActiveDomainId(deps: CoreDeps, id: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom("domains")
    .select("id")
    .where("id", "=", id)
    .where("status", "=", "active")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The MX's mailbox look-up: the RCPTs of all sessions that arrive in one turn of the event loop
 * are answered by one query (DataLoader, no cache: each RCPT sees the database as it is now).
 */
export function batchedMailboxLookup(deps: CoreDeps): (address: string) => Promise<Mailbox | null> {
  const loader = new DataLoader<string, Mailbox | null>(
    async (addresses) => {
      const found = new Map((await findDeliverableMailboxRows(deps.db, addresses)).map((row) => [row.address, toMailbox(row)]));
      return addresses.map((a) => found.get(a) ?? null);
    },
    // setImmediate, not the default next tick: RCPTs from many sockets arrive in one poll phase,
    // each in its own callback, and next-tick would send each alone.
    { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
  );
  return (address) => loader.load(address);
}
