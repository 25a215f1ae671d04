import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { TenantRow } from "../tenants/tenant.table.js";
import type { MailboxRow, MailboxUpdate, NewMailboxRow } from "./mailbox.table.js";

/** Still alive: no expiry, or an expiry in the future (by the database's clock). */
const unexpired = sql<boolean>`(expires_at is null or expires_at > now())`;

/**
 * Lock the tenant's row for the rest of the transaction: creates for one tenant queue here,
 * so counting its mailboxes and inserting one cannot race past the quota.
 */
export async function lockTenant(trx: Executor, tenantId: string): Promise<Pick<TenantRow, "id" | "plan"> | undefined> {
  return trx.selectFrom("tenants").select(["id", "plan"]).where("id", "=", tenantId).forUpdate().executeTakeFirst();
}

/** Mailboxes that count against the quota (expired ones are only waiting for the purge). */
export async function countLiveMailboxes(db: Executor, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom("mailboxes")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where(unexpired)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countTenantMailboxes(db: Executor, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom("mailboxes")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findMailboxByAddress(db: Executor, address: string): Promise<MailboxRow | undefined> {
  return db.selectFrom("mailboxes").selectAll().where("address", "=", address).executeTakeFirst();
}

/** An expired mailbox frees its address at once, without waiting for the purge; the mailbox removed, if any. */
export async function deleteExpiredMailboxByAddress(db: Executor, address: string): Promise<MailboxRow | undefined> {
  return db
    .deleteFrom("mailboxes")
    .where("address", "=", address)
    .where("expires_at", "<=", sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** Undefined when the address is taken: the unique index decides, even between concurrent creates. */
export async function insertMailbox(db: Executor, row: NewMailboxRow): Promise<MailboxRow | undefined> {
  return db
    .insertInto("mailboxes")
    .values(row)
    .onConflict((oc) => oc.column("address").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** `lock`: hold the row (FOR UPDATE) until the transaction ends, so it cannot be deleted meanwhile. */
export async function findTenantMailbox(
  db: Executor,
  tenantId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<MailboxRow | undefined> {
  const query = db.selectFrom("mailboxes").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

/** The hosting-style API's keyset page: ids are time-ordered, so `id > cursor` is stable under inserts. */
export async function listTenantMailboxesAfter(
  db: Executor,
  tenantId: string,
  cursor: string | undefined,
  limit: number,
): Promise<MailboxRow[]> {
  let query = db.selectFrom("mailboxes").selectAll().where("tenant_id", "=", tenantId);
  if (cursor !== undefined) query = query.where("id", ">", cursor);
  return query.orderBy("id").limit(limit).execute();
}

export interface MailboxFilters {
  tag?: string | undefined;
  liked?: boolean | undefined;
  pinned?: boolean | undefined;
  /** Part of the address, already lower-case. */
  search?: string | undefined;
}

function filtered(db: Executor, tenantId: string, filters: MailboxFilters) {
  let query = db.selectFrom("mailboxes").where("tenant_id", "=", tenantId);
  if (filters.tag !== undefined) query = query.where("tag", "=", filters.tag);
  if (filters.liked !== undefined) query = query.where("liked", "=", filters.liked);
  if (filters.pinned !== undefined) query = query.where("pinned", "=", filters.pinned);
  if (filters.search !== undefined) {
    // Addresses are stored lower-case, so a plain LIKE is case-insensitive; escape its wildcards.
    const pattern = `%${filters.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where("address", "like", pattern);
  }
  return query;
}

/** The temp-mail-style API's page: pinned first, then newest first. */
export async function searchTenantMailboxes(
  db: Executor,
  tenantId: string,
  filters: MailboxFilters,
  offset: number,
  limit: number,
): Promise<{ rows: MailboxRow[]; total: number }> {
  const rows = await filtered(db, tenantId, filters)
    .selectAll()
    .orderBy("pinned", "desc")
    .orderBy("id", "desc")
    .offset(offset)
    .limit(limit)
    .execute();
  const count = await filtered(db, tenantId, filters)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

export async function updateTenantMailbox(
  db: Executor,
  tenantId: string,
  id: string,
  patch: MailboxUpdate,
): Promise<MailboxRow | undefined> {
  if (Object.keys(patch).length === 0) return findTenantMailbox(db, tenantId, id);
  return db
    .updateTable("mailboxes")
    .set(patch)
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTenantMailbox(db: Executor, tenantId: string, id: string): Promise<MailboxRow | undefined> {
  return db.deleteFrom("mailboxes").where("tenant_id", "=", tenantId).where("id", "=", id).returningAll().executeTakeFirst();
}

/** Delete up to `batch` expired mailboxes; their mail goes with them (foreign keys cascade). */
export async function deleteExpiredMailboxes(db: Executor, batch: number): Promise<MailboxRow[]> {
  return db
    .deleteFrom("mailboxes")
    .where(
      "id",
      "in",
      db.selectFrom("mailboxes").select("id").where("expires_at", "<=", sql<Date>`now()`).orderBy("expires_at").limit(batch),
    )
    .returningAll()
    .execute();
}

/** What SMTP may deliver to: exists, active and not expired. */
export async function findDeliverableMailboxRow(db: Executor, address: string): Promise<MailboxRow | undefined> {
  return db
    .selectFrom("mailboxes")
    .selectAll()
    .where("address", "=", address)
    .where("status", "=", "active")
    .where(unexpired)
    .executeTakeFirst();
}

/** Which of `ids` are active custom domains. */
export async function findActiveDomainIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("domains")
    .select("id")
    .where("id", "in", [...ids])
    .where("status", "=", "active")
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Delete every mailbox on a custom domain (the domain is going); the mailboxes removed. */
export async function deleteMailboxesOnDomain(db: Executor, domainId: string): Promise<MailboxRow[]> {
  return db.deleteFrom("mailboxes").where("domain_id", "=", domainId).returningAll().execute();
}

/** How many mailboxes live on one of a tenant's own domains. */
export async function countMailboxesOnDomain(db: Executor, domainId: string): Promise<number> {
  const row = await db
    .selectFrom("mailboxes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("domain_id", "=", domainId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
