import { insertStandardFolders } from "../folders/folder.repository.js";
import { MailroomError, type MailboxStatus } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { appendEvents } from "../events/event-log.js";
import { mailboxEvent } from "../events/mailbox-events.js";
import { newId } from "../ids.js";
import { mailboxAddressFromParts, normaliseAddress, parseMailboxAddress } from "./mailbox-address.js";
import { resolveMailboxDomain } from "./mailbox-domain.js";
import {
  countLiveMailboxes,
  countTenantMailboxes,
  deleteExpiredMailboxByAddress,
  deleteExpiredMailboxes,
  deleteTenantMailbox,
  findDeliverableMailboxRow,
  findActiveDomainIds,
  findMailboxByAddress,
  findTenantMailbox,
  insertMailbox,
  listTenantMailboxesAfter,
  lockTenant,
  searchTenantMailboxes,
  updateTenantMailbox,
  type MailboxFilters,
} from "./mailbox.repository.js";
import type { MailboxRow, MailboxUpdate } from "./mailbox.table.js";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./password-hash.js";
import { hashSecret } from "../keys/secret-hash.js";
import { decideRecipients, mailboxReceives } from "../recipients/recipient-rule.js";

/** The one mailbox model; each REST dialect maps it to its own shape. Never carries the password. */
export interface Mailbox {
  id: string;
  tenantId: string;
  address: string;
  localPart: string;
  domain: string;
  /** The tenant's own domain, or null on a system domain. */
  domainId: string | null;
  status: MailboxStatus;
  tag: string | null;
  liked: boolean;
  pinned: boolean;
  hasPassword: boolean;
  expiresAt: Date | null;
  createdAt: Date;
}

export function toMailbox(row: MailboxRow): Mailbox {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    address: row.address,
    localPart: row.local_part,
    domain: row.domain,
    domainId: row.domain_id,
    status: row.status,
    tag: row.tag,
    liked: row.liked,
    pinned: row.pinned,
    hasPassword: row.password_hash !== null,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

/** A mailbox as the API shows it: with whether mail to it is accepted now. */
export interface MailboxView extends Mailbox {
  /** By the recipient rule's own test: active, unexpired, and its domain in service. */
  receiving: boolean;
}

async function withReceiving(deps: CoreDeps, rows: MailboxRow[]): Promise<MailboxView[]> {
  const domainIds = [...new Set(rows.flatMap((r) => (r.domain_id ? [r.domain_id] : [])))];
  const active = await findActiveDomainIds(deps.db, domainIds);
  const now = Date.now();
  return rows.map((row) => {
    const unexpired = row.expires_at === null || row.expires_at.getTime() > now;
    const state = { status: row.status, unexpired, domainId: row.domain_id, domain: row.domain };
    return { ...toMailbox(row), receiving: mailboxReceives(state, deps.config, active) };
  });
}

async function viewOf(deps: CoreDeps, row: MailboxRow): Promise<MailboxView> {
  return (await withReceiving(deps, [row]))[0]!;
}

/** At most one of the two (the API's schemas enforce it); `expiresAt: null` clears an expiry. */
export interface ExpiryInput {
  expiresIn?: number | undefined;
  expiresAt?: string | null | undefined;
}

export type CreateMailboxInput = ({ address: string } | { username: string; domain: string }) &
  ExpiryInput & {
    password?: string | undefined;
    tag?: string | undefined;
  };

export interface UpdateMailboxInput extends ExpiryInput {
  password?: string | undefined;
  status?: MailboxStatus | undefined;
  tag?: string | null | undefined;
  liked?: boolean | undefined;
  pinned?: boolean | undefined;
}

/** undefined = leave as is; null = never expires. */
function resolveExpiry(input: ExpiryInput, mustBeFuture: boolean): Date | null | undefined {
  let at: Date | null | undefined;
  if (input.expiresIn !== undefined) at = new Date(Date.now() + input.expiresIn * 1000);
  else if (input.expiresAt === null) at = null;
  else if (input.expiresAt !== undefined) at = new Date(input.expiresAt);
  // A new mailbox that is dead on arrival is a mistake; an update may expire one now on purpose.
  if (mustBeFuture && at && at.getTime() <= Date.now()) throw new MailroomError("MAILBOX_EXPIRY_INVALID");
  return at;
}

/** An empty tag is no tag. */
function normaliseTag(tag: string | null | undefined): string | null | undefined {
  return tag === undefined || tag === null ? tag : tag.trim() || null;
}

const taken = () => new MailroomError("EMAIL_ADDRESS_TAKEN");
const notFound = (id: string) => new MailroomError("MAILBOX_NOT_FOUND", `Mailbox ${id} not found`);

export async function createMailbox(deps: CoreDeps, tenantId: string, input: CreateMailboxInput): Promise<MailboxView> {
  const { reservedPrefixes } = deps.config;
  const parsed =
    "address" in input
      ? parseMailboxAddress(input.address, reservedPrefixes)
      : mailboxAddressFromParts(input.username, input.domain, reservedPrefixes);
  const expiresAt = resolveExpiry(input, true) ?? null;
  // Hash before the transaction: scrypt is slow on purpose and must not hold the tenant lock.
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);

  const created = await deps.db.transaction().execute(async (trx) => {
    const tenant = await lockTenant(trx, tenantId);
    if (!tenant) throw new MailroomError("TENANT_NOT_FOUND", `Tenant ${tenantId} not found`);
    const domain = await resolveMailboxDomain(trx, deps.config, tenant, parsed.domain);

    const expired = await deleteExpiredMailboxByAddress(trx, parsed.address);
    if (expired) await appendEvents(trx, [mailboxEvent("mailbox.expired", expired)]);
    if (await findMailboxByAddress(trx, parsed.address)) throw taken();

    const quota = deps.config.mailboxQuotas[tenant.plan];
    if (quota !== null && (await countLiveMailboxes(trx, tenant.id)) >= quota) {
      throw new MailroomError(
        "MAILBOX_QUOTA_EXCEEDED",
        `Mailbox limit reached: the ${tenant.plan} plan allows ${quota} mailbox${quota === 1 ? "" : "es"}`,
      );
    }

    // Another tenant may have taken the address since the check above: the unique index has the last word.
    const row = await insertMailbox(trx, {
      id: newId("mailbox"),
      tenant_id: tenant.id,
      domain_id: domain.domainId,
      domain: parsed.domain,
      local_part: parsed.localPart,
      address: parsed.address,
      password_hash: passwordHash,
      tag: normaliseTag(input.tag) ?? null,
      expires_at: expiresAt,
    });
    if (!row) throw taken();
    await insertStandardFolders(trx, row);
    await appendEvents(trx, [mailboxEvent("mailbox.created", row)]);
    return row;
  });
  const mailbox = await viewOf(deps, created);
  deps.logger.info({ tenantId, mailboxId: mailbox.id, expiresAt: mailbox.expiresAt }, "mailbox created");
  return mailbox;
}

export async function getMailbox(deps: CoreDeps, tenantId: string, id: string): Promise<MailboxView> {
  const row = await findTenantMailbox(deps.db, tenantId, id);
  // Another tenant's mailbox is "not found" too: ids never leak across tenants.
  if (!row) throw notFound(id);
  return viewOf(deps, row);
}

/** The hosting-style API's list: keyset pages; `total` counts all of the tenant's mailboxes. */
export async function listMailboxes(
  deps: CoreDeps,
  tenantId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ mailboxes: MailboxView[]; total: number; nextCursor: string | null }> {
  const rows = await listTenantMailboxesAfter(deps.db, tenantId, page.cursor, page.limit + 1);
  const more = rows.length > page.limit;
  const mailboxes = await withReceiving(deps, rows.slice(0, page.limit));
  const total = await countTenantMailboxes(deps.db, tenantId);
  return { mailboxes, total, nextCursor: more ? mailboxes[mailboxes.length - 1]!.id : null };
}

/** The temp-mail-style API's list: numbered pages with filters. */
export async function searchMailboxes(
  deps: CoreDeps,
  tenantId: string,
  query: {
    page: number;
    pageSize: number;
    tag?: string | undefined;
    like?: boolean | undefined;
    pin?: boolean | undefined;
    search?: string | undefined;
  },
): Promise<{ mailboxes: MailboxView[]; total: number }> {
  const filters: MailboxFilters = {
    tag: query.tag,
    liked: query.like,
    pinned: query.pin,
    search: query.search === undefined ? undefined : normaliseAddress(query.search),
  };
  const { rows, total } = await searchTenantMailboxes(
    deps.db,
    tenantId,
    filters,
    (query.page - 1) * query.pageSize,
    query.pageSize,
  );
  return { mailboxes: await withReceiving(deps, rows), total };
}

export async function updateMailbox(
  deps: CoreDeps,
  tenantId: string,
  id: string,
  input: UpdateMailboxInput,
): Promise<MailboxView> {
  const patch: MailboxUpdate = {};
  const expiresAt = resolveExpiry(input, false);
  if (expiresAt !== undefined) patch.expires_at = expiresAt;
  if (input.password !== undefined) patch.password_hash = await hashPassword(input.password);
  if (input.status !== undefined) patch.status = input.status;
  const tag = normaliseTag(input.tag);
  if (tag !== undefined) patch.tag = tag;
  if (input.liked !== undefined) patch.liked = input.liked;
  if (input.pinned !== undefined) patch.pinned = input.pinned;

  const row = await updateTenantMailbox(deps.db, tenantId, id, patch);
  if (!row) throw notFound(id);
  deps.logger.info(
    { tenantId, mailboxId: id, fields: Object.keys(patch).map((k) => (k === "password_hash" ? "password" : k)) },
    "mailbox updated",
  );
  return viewOf(deps, row);
}

/** The address is free again at once; the mailbox's mail goes with it (foreign keys cascade). */
export async function deleteMailbox(deps: CoreDeps, tenantId: string, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await deleteTenantMailbox(trx, tenantId, id);
    if (!row) throw notFound(id);
    await appendEvents(trx, [mailboxEvent("mailbox.deleted", row)]);
  });
  deps.logger.info({ tenantId, mailboxId: id }, "mailbox deleted");
}

/** The mailbox mail to `address` goes to now (its own, or a catch-all), by the recipient rule; null when none. */
export async function findDeliverableMailbox(
  deps: CoreDeps,
  address: string,
): Promise<{ id: string; tenantId: string; tag: string | null } | null> {
  const [decision] = await decideRecipients(deps, [address]);
  return decision?.kind === "mailbox" ? { id: decision.mailboxId, tenantId: decision.tenantId, tag: decision.tag } : null;
}

/**
 * For SMTP submission: the mailbox when `password` is right and the mailbox may send (active,
 * unexpired, has a password); null otherwise, taking about as long either way.
 */
export async function verifyMailboxPassword(deps: CoreDeps, address: string, password: string): Promise<Mailbox | null> {
  return (await checkMailboxPassword(deps, address, password))?.mailbox ?? null;
}

/**
 * verifyMailboxPassword, also answering a stamp of the password hash it matched (sha256 of it):
 * what a mailbox token is tied to, so that a new password ends the tokens issued under the old one.
 */
export async function checkMailboxPassword(
  deps: CoreDeps,
  address: string,
  password: string,
): Promise<{ mailbox: Mailbox; passwordStamp: string } | null> {
  const row = await findDeliverableMailboxRow(deps.db, normaliseAddress(address));
  if (!row?.password_hash) return verifyAgainstDummy(password).then(() => null);
  if (!(await verifyPassword(password, row.password_hash))) return null;
  return { mailbox: toMailbox(row), passwordStamp: passwordStamp(row.password_hash) };
}

/** The stamp of a stored password hash (see checkMailboxPassword). */
export function passwordStamp(passwordHash: string): string {
  return hashSecret(passwordHash);
}

const PURGE_BATCH = 500;

/** Delete every expired mailbox, in batches so one run never holds a huge delete. */
export async function purgeExpiredMailboxes(deps: CoreDeps): Promise<number> {
  let purged = 0;
  for (;;) {
    const rows = await deps.db.transaction().execute(async (trx) => {
      const gone = await deleteExpiredMailboxes(trx, PURGE_BATCH);
      await appendEvents(
        trx,
        gone.map((row) => mailboxEvent("mailbox.expired", row)),
      );
      return gone;
    });
    purged += rows.length;
    if (rows.length < PURGE_BATCH) break;
  }
  if (purged > 0) deps.logger.info({ purged }, "expired mailboxes purged");
  return purged;
}
