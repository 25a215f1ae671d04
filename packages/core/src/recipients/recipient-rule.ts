import { TAG_SEPARATOR, type MailboxStatus, type MailroomConfig } from "@mailroom/contracts";
import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";

/*
 * The one rule for "is this address ours, and does a mailbox here take its mail": the MX asks it
 * at RCPT, the send API and submission ask it to route each recipient (hosted, bounce, remote).
 */

export type RecipientDecision =
  /** Into this mailbox: its own address (with or without a `+tag`), or the domain's catch-all. */
  | {
      kind: "mailbox";
      address: string;
      mailboxId: string;
      tenantId: string;
      /** The mailbox's custom domain; null on a system domain. */
      domainId: string | null;
      tag: string | null;
      viaCatchAll: boolean;
    }
  /** One of our domains in service, but no mailbox here takes the address: 550 5.1.1. */
  | { kind: "unknown"; address: string }
  /** Not a domain we receive for (unknown, or a custom domain not active): the MX is no relay (550 5.7.1); a send goes out. */
  | { kind: "foreign"; address: string };

/** What decides whether a mailbox takes mail. */
export interface MailboxState {
  status: MailboxStatus;
  /** Not expired (by whichever clock the caller trusts: the database's at RCPT). */
  unexpired: boolean;
  /** Its custom domain, or null on a system domain. */
  domainId: string | null;
  domain: string;
}

/**
 * Whether a mailbox takes mail now: active, unexpired, and its domain in service (a configured
 * system domain, or its own custom domain while that is active). The API shows this as
 * `receiving`; decideRecipients applies exactly this test.
 */
export function mailboxReceives(
  mailbox: MailboxState,
  config: Pick<MailroomConfig, "systemDomains">,
  activeDomainIds: ReadonlySet<string>,
): boolean {
  const domainInService =
    mailbox.domainId === null ? isSystemDomain(config, mailbox.domain) : activeDomainIds.has(mailbox.domainId);
  return mailbox.status === "active" && mailbox.unexpired && domainInService;
}

export function isSystemDomain(config: Pick<MailroomConfig, "systemDomains">, name: string): boolean {
  return config.systemDomains.some((d) => d.domain === name);
}

export interface TaggedAddress {
  /** Lower-case, as given. */
  address: string;
  /** `name@domain`: the tag taken out. */
  base: string;
  domain: string;
  /** What follows the first `+` of the local part; null when there is none or it is empty. */
  tag: string | null;
}

/** `Info+Orders@Example.com` → base `info@example.com`, tag `orders`. */
export function splitTag(raw: string): TaggedAddress {
  const address = raw.trim().toLowerCase();
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? "" : address.slice(at + 1);
  const plus = local.indexOf(TAG_SEPARATOR);
  if (plus < 0) return { address, base: address, domain, tag: null };
  return { address, base: `${local.slice(0, plus)}@${domain}`, domain, tag: local.slice(plus + 1) || null };
}

/**
 * Decide many recipients with two queries (run together): the active custom domains among their
 * domains, each with its catch-all mailbox, and the mailboxes at their tag-less addresses.
 *
 * - Not a system domain nor an active custom domain: foreign.
 * - The mailbox at the address (tag removed) takes it when mailboxReceives says so.
 * - A disabled mailbox refuses (its owner turned it off: a catch-all must not take its mail);
 *   otherwise an address no mailbox here takes goes to the domain's catch-all, when it has a
 *   live one, else it is unknown. A mailbox of another tenant's unverified claim on the name is
 *   no mailbox here.
 */
export async function decideRecipients(deps: CoreDeps, rawAddresses: readonly string[]): Promise<RecipientDecision[]> {
  const wanted = rawAddresses.map(splitTag);
  const customNames = [...new Set(wanted.map((w) => w.domain).filter((d) => d && !isSystemDomain(deps.config, d)))];
  const bases = [...new Set(wanted.map((w) => w.base))];
  const [domains, mailboxes] = await Promise.all([activeDomains(deps, customNames), mailboxesAt(deps, bases)]);
  const activeIds = new Set([...domains.values()].map((d) => d.id));

  return wanted.map((w): RecipientDecision => {
    const custom = domains.get(w.domain);
    if (!custom && !isSystemDomain(deps.config, w.domain)) return { kind: "foreign", address: w.address };
    const domainId = custom?.id ?? null;
    const found = mailboxes.get(w.base);
    const mailbox = found && found.domain_id === domainId ? found : undefined;
    if (mailbox && mailboxReceives(stateOf(mailbox), deps.config, activeIds)) {
      return {
        kind: "mailbox",
        address: w.address,
        mailboxId: mailbox.id,
        tenantId: mailbox.tenant_id,
        domainId: mailbox.domain_id,
        tag: w.tag,
        viaCatchAll: false,
      };
    }
    if (mailbox?.status === "disabled" || !custom?.catchAll) return { kind: "unknown", address: w.address };
    return {
      kind: "mailbox",
      address: w.address,
      mailboxId: custom.catchAll.id,
      tenantId: custom.catchAll.tenantId,
      domainId: custom.id,
      tag: w.tag,
      viaCatchAll: true,
    };
  });
}

function stateOf(m: MailboxAt): MailboxState {
  return { status: m.status, unexpired: m.unexpired, domainId: m.domain_id, domain: m.domain };
}

interface ActiveDomain {
  id: string;
  /** Its catch-all, when set and able to receive now. */
  catchAll: { id: string; tenantId: string } | null;
}

async function activeDomains(deps: CoreDeps, names: string[]): Promise<Map<string, ActiveDomain>> {
  if (names.length === 0) return new Map();
  const rows = await deps.db
    .selectFrom("domains as d")
    // On this domain, active, unexpired: the same test as any mailbox (the domain itself is active here).
    .leftJoin("mailboxes as c", (join) =>
      join
        .onRef("c.id", "=", "d.catch_all_mailbox_id")
        .onRef("c.domain_id", "=", "d.id")
        .on("c.status", "=", "active")
        .on(sql<boolean>`(c.expires_at is null or c.expires_at > now())`),
    )
    .select(["d.id", "d.name", "c.id as catch_all_id", "c.tenant_id as catch_all_tenant_id"])
    .where("d.name", "in", names)
    .where("d.status", "=", "active")
    .execute();
  return new Map(
    rows.map((r) => [
      r.name,
      {
        id: r.id,
        catchAll: r.catch_all_id && r.catch_all_tenant_id ? { id: r.catch_all_id, tenantId: r.catch_all_tenant_id } : null,
      },
    ]),
  );
}

interface MailboxAt {
  id: string;
  tenant_id: string;
  address: string;
  domain: string;
  domain_id: string | null;
  status: MailboxStatus;
  unexpired: boolean;
}

async function mailboxesAt(deps: CoreDeps, addresses: string[]): Promise<Map<string, MailboxAt>> {
  if (addresses.length === 0) return new Map();
  const rows: MailboxAt[] = await deps.db
    .selectFrom("mailboxes")
    .select([
      "id",
      "tenant_id",
      "address",
      "domain",
      "domain_id",
      "status",
      sql<boolean>`(expires_at is null or expires_at > now())`.as("unexpired"),
    ])
    .where("address", "in", addresses)
    .execute();
  return new Map(rows.map((r) => [r.address, r]));
}
