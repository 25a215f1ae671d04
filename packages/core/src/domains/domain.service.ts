import {
  MailroomError,
  type CreateDomainInput,
  type Domain,
  type DnsRecord,
  type DomainVerification,
  type UpdateDomainInput,
} from "@mailroom/contracts";
import { isUniqueViolation } from "../db/errors.js";
import type { CoreDeps } from "../deps.js";
import { domainStatusEvent } from "../events/domain-events.js";
import { appendEvents } from "../events/event-log.js";
import { mailboxEvent } from "../events/mailbox-events.js";
import { newId, randomSecret } from "../ids.js";
import { dkimSelectorFor, generateDkimKeyPair } from "./dkim-keys.js";
import { checkRecords } from "./dns-verifier.js";
import { isSystemDomain, normaliseDomainName } from "./domain-name.js";
import { expectedRecords, hostnameWarning, toDnsRecord } from "./domain-records.js";
import { CHECK_LEASE_SECONDS, decideOutcome, pendingRecheckSeconds } from "./domain-schedule.js";
import {
  claimDueDomains,
  countTenantDomains,
  deleteTenantDomain,
  findOtherVerifiedOwner,
  findTenantDomain,
  findTenantDomainByName,
  insertDomain,
  listTenantDomains,
  lockDomainStatus,
  recordCheck,
  setCatchAll,
  setRequireDkim,
} from "./domain.repository.js";
import type { DomainRow } from "./domain.table.js";
import { countMailboxesOnDomain, deleteMailboxesOnDomain, findTenantMailbox } from "../mailboxes/mailbox.repository.js";

const VERIFIED_NAME_INDEX = "domains_verified_name_unique";
const TENANT_NAME_UNIQUE = "domains_tenant_name_unique";

export function toDomain(row: DomainRow, hostname: string): Domain {
  return {
    id: row.id,
    domain: row.name,
    status: row.status,
    dns_records: dnsRecords(row, hostname),
    require_dkim: row.require_dkim,
    created_at: row.created_at.toISOString(),
    verified_at: row.verified_at?.toISOString() ?? null,
    checked_at: row.checked_at?.toISOString() ?? null,
    failure_reason: row.failure_reason,
    catch_all_account_id: row.catch_all_mailbox_id,
    dns_warning: hostnameWarning(hostname),
  };
}

function dnsRecords(row: DomainRow, hostname: string): DnsRecord[] {
  return expectedRecords(row, hostname).map(toDnsRecord);
}

const notFound = (id: string) => new MailroomError("DOMAIN_NOT_FOUND", `Domain ${id} not found`);
const taken = (name: string) => new MailroomError("DOMAIN_TAKEN", `${name} is already verified by another account`);

async function mustFind(deps: CoreDeps, tenantId: string, id: string): Promise<DomainRow> {
  const row = await findTenantDomain(deps.db, tenantId, id);
  if (!row) throw notFound(id);
  return row;
}

export async function createDomain(deps: CoreDeps, tenantId: string, input: CreateDomainInput): Promise<Domain> {
  const name = normaliseDomainName(input.domain);
  if (isSystemDomain(name, deps.config.systemDomains)) {
    throw new MailroomError("SYSTEM_DOMAIN", `${name} is a system domain of this server and cannot be added`);
  }
  const existing = await findTenantDomainByName(deps.db, tenantId, name);
  if (existing) throw alreadyAdded(name, existing.id);
  if (await findOtherVerifiedOwner(deps.db, name, tenantId)) throw taken(name);

  const now = new Date();
  const key = await generateDkimKeyPair();
  let row: DomainRow;
  try {
    row = await insertDomain(
      deps.db,
      {
        id: newId("domain"),
        tenant_id: tenantId,
        name,
        status: "pending_verification",
        verification_token: randomSecret(32),
        dkim_selector: dkimSelectorFor(now),
        dkim_private_key: key.privateKeyPem,
        dkim_public_key: key.publicKeyBase64,
        verified_at: null,
        checked_at: null,
        failure_reason: null,
        last_check: null,
      },
      pendingRecheckSeconds(now, now),
    );
  } catch (err) {
    // Two concurrent adds of one name by one tenant: the constraint decides.
    if (isUniqueViolation(err, TENANT_NAME_UNIQUE)) {
      const winner = await findTenantDomainByName(deps.db, tenantId, name);
      throw alreadyAdded(name, winner?.id);
    }
    throw err;
  }
  deps.logger.info({ tenantId, domainId: row.id, domain: name }, "domain added");
  return toDomain(row, deps.config.hostname);
}

function alreadyAdded(name: string, id: string | undefined): MailroomError {
  return new MailroomError("DOMAIN_EXISTS", `You have already added ${name}${id ? ` (${id})` : ""}`);
}

export async function listDomains(
  deps: CoreDeps,
  tenantId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ domains: Domain[]; total: number; next_cursor: string | null }> {
  const [rows, total] = await Promise.all([
    listTenantDomains(deps.db, tenantId, { limit: page.limit, after: page.cursor }),
    countTenantDomains(deps.db, tenantId),
  ]);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  return {
    domains: shown.map((r) => toDomain(r, deps.config.hostname)),
    total,
    next_cursor: more ? shown.at(-1)!.id : null,
  };
}

export async function getDomain(deps: CoreDeps, tenantId: string, id: string): Promise<Domain> {
  return toDomain(await mustFind(deps, tenantId, id), deps.config.hostname);
}

export async function getDomainDns(
  deps: CoreDeps,
  tenantId: string,
  id: string,
): Promise<{ domain: string; records: DnsRecord[]; warning: string | null }> {
  const row = await mustFind(deps, tenantId, id);
  const { hostname } = deps.config;
  return { domain: row.name, records: dnsRecords(row, hostname), warning: hostnameWarning(hostname) };
}

/**
 * Change a domain's settings: today its catch-all, a mailbox of the tenant's on this very domain
 * (or null to clear it). The mailbox is locked until the change commits, so it cannot be deleted
 * in between.
 */
export async function updateDomain(
  deps: CoreDeps,
  tenantId: string,
  id: string,
  input: Omit<UpdateDomainInput, "id">,
): Promise<Domain> {
  const catchAll = input.catch_all_account_id;
  const row = await deps.db.transaction().execute(async (trx) => {
    const domain = await findTenantDomain(trx, tenantId, id);
    if (!domain) throw notFound(id);
    if (catchAll === undefined) return domain;
    if (catchAll !== null) {
      const mailbox = await findTenantMailbox(trx, tenantId, catchAll, { lock: true });
      // Another tenant's mailbox is "not found" too: ids never leak across tenants.
      if (!mailbox) throw new MailroomError("CATCH_ALL_INVALID", `Mailbox ${catchAll} not found`);
      if (mailbox.domain_id !== domain.id) {
        throw new MailroomError(
          "CATCH_ALL_INVALID",
          `Mailbox ${catchAll} (${mailbox.address}) is not on ${domain.name}: a catch-all must be a mailbox on the domain it serves`,
        );
      }
    }
    return (await setCatchAll(trx, domain.id, catchAll)) ?? domain;
  });
  if (catchAll !== undefined) deps.logger.info({ tenantId, domainId: id, catchAll }, "domain catch-all changed");
  return toDomain(row, deps.config.hostname);
}

/** Delete a domain; with mailboxes on it only when forced, which removes them and their mail too. */
export async function deleteDomain(
  deps: CoreDeps,
  tenantId: string,
  id: string,
  options: { force?: boolean | undefined } = {},
): Promise<void> {
  const deleted = await deps.db.transaction().execute(async (trx) => {
    const row = await findTenantDomain(trx, tenantId, id);
    if (!row) throw notFound(id);
    const mailboxes = await countMailboxesOnDomain(trx, row.id);
    if (mailboxes > 0 && !options.force) {
      const count = `${mailboxes} mailbox${mailboxes === 1 ? "" : "es"}`;
      throw new MailroomError("DOMAIN_HAS_MAILBOXES", `${row.name} still has ${count}; delete them first or pass force=true`);
    }
    // Mailboxes (and, through them, their mail) go with the domain; each says so in its event.
    const gone = await deleteMailboxesOnDomain(trx, row.id);
    await appendEvents(
      trx,
      gone.map((m) => mailboxEvent("mailbox.deleted", m)),
    );
    return deleteTenantDomain(trx, tenantId, row.id);
  });
  if (!deleted) throw notFound(id);
  deps.logger.info({ tenantId, domainId: id, domain: deleted.name, force: Boolean(options.force) }, "domain deleted");
}

/** Look the domain's records up now (the tenant asked) and store what was found. */
export async function verifyDomain(
  deps: CoreDeps,
  tenantId: string,
  id: string,
  options: { requireDkim?: boolean | undefined } = {},
): Promise<DomainVerification> {
  let row = await mustFind(deps, tenantId, id);
  // Checked before any lookup or change: a name another tenant has verified is theirs.
  if (await findOtherVerifiedOwner(deps.db, row.name, tenantId)) throw taken(row.name);
  if (options.requireDkim !== undefined && options.requireDkim !== row.require_dkim) {
    row = await setRequireDkim(deps.db, row.id, options.requireDkim);
  }
  try {
    return await checkAndRecord(deps, row);
  } catch (err) {
    // Another tenant verified the same name between our check and our update.
    if (isUniqueViolation(err, VERIFIED_NAME_INDEX)) throw taken(row.name);
    throw err;
  }
}

async function checkAndRecord(deps: CoreDeps, row: DomainRow): Promise<DomainVerification> {
  const { hostname, dnsServers } = deps.config;
  const checks = await checkRecords(row.name, hostname, expectedRecords(row, hostname), { servers: dnsServers });
  const outcome = decideOutcome(row, checks, new Date());
  // The status before is read under lock in the update's transaction: of two concurrent checks,
  // only the one that moves the status writes the event.
  const recorded = await deps.db.transaction().execute(async (trx) => {
    const previous = await lockDomainStatus(trx, row.id);
    if (previous === undefined) return undefined;
    const updated = await recordCheck(trx, row.id, outcome);
    if (!updated) return undefined;
    const event = domainStatusEvent(previous, updated, checks);
    if (event) await appendEvents(trx, [event]);
    return { updated, previous };
  });
  if (!recorded) throw notFound(row.id);
  const { updated, previous } = recorded;
  if (updated.status !== previous) {
    deps.logger.info(
      { tenantId: row.tenant_id, domainId: row.id, domain: row.name, from: previous, to: updated.status },
      "domain status changed",
    );
  }
  return {
    id: updated.id,
    domain: updated.name,
    status: updated.status,
    checked_at: (updated.checked_at ?? new Date()).toISOString(),
    records: checks,
  };
}

export interface RecheckResult {
  id: string;
  domain: string;
  from: DomainRow["status"];
  to: DomainRow["status"];
}

/**
 * The background check: claim the domains whose next check is due and look each up. Pending
 * domains come due every few minutes at first, active ones daily (see domain-schedule.ts).
 */
export async function recheckDueDomains(deps: CoreDeps, options: { limit?: number } = {}): Promise<RecheckResult[]> {
  const rows = await claimDueDomains(deps.db, options.limit ?? 25, CHECK_LEASE_SECONDS);
  const results: RecheckResult[] = [];
  for (const row of rows) {
    try {
      const verification = await checkAndRecord(deps, row);
      results.push({ id: row.id, domain: row.name, from: row.status, to: verification.status });
    } catch (err) {
      if (isUniqueViolation(err, VERIFIED_NAME_INDEX)) {
        // Its records are right, but another tenant verified the name first: it stays pending.
        await recordCheck(deps.db, row.id, {
          status: "pending_verification",
          verified: false,
          failureReason: null,
          nextCheckInSeconds: pendingRecheckSeconds(row.created_at, new Date()),
          lastCheck: { records: [], note: "verified by another account" },
        });
        results.push({ id: row.id, domain: row.name, from: row.status, to: "pending_verification" });
        continue;
      }
      if (err instanceof MailroomError && err.code === "DOMAIN_NOT_FOUND") continue; // deleted meanwhile
      deps.logger.warn({ err, domainId: row.id }, "domain re-check failed");
    }
  }
  return results;
}
