import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { DomainRow, DomainStatus, NewDomainRow } from "./domain.table.js";

/** Insert a domain whose first background check is due `firstCheckInSeconds` from now (database clock). */
export async function insertDomain(
  db: Executor,
  row: Omit<NewDomainRow, "next_check_at">,
  firstCheckInSeconds: number,
): Promise<DomainRow> {
  return db
    .insertInto("domains")
    .values({ ...row, next_check_at: sql<Date>`now() + make_interval(secs => ${firstCheckInSeconds})` })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Only the tenant's own: another tenant's id is simply not there. */
export async function findTenantDomain(db: Executor, tenantId: string, id: string): Promise<DomainRow | undefined> {
  return db.selectFrom("domains").selectAll().where("id", "=", id).where("tenant_id", "=", tenantId).executeTakeFirst();
}

export async function findTenantDomainByName(db: Executor, tenantId: string, name: string): Promise<DomainRow | undefined> {
  return db.selectFrom("domains").selectAll().where("tenant_id", "=", tenantId).where("name", "=", name).executeTakeFirst();
}

/** The tenant that owns a verified name, unless it is `tenantId` itself. */
export async function findOtherVerifiedOwner(
  db: Executor,
  name: string,
  tenantId: string,
): Promise<Pick<DomainRow, "id" | "tenant_id"> | undefined> {
  return db
    .selectFrom("domains")
    .select(["id", "tenant_id"])
    .where("name", "=", name)
    .where("verified_at", "is not", null)
    .where("tenant_id", "!=", tenantId)
    .executeTakeFirst();
}

/** One page in id (= creation) order; one row more than asked, to tell whether another page follows. */
export async function listTenantDomains(
  db: Executor,
  tenantId: string,
  page: { limit: number; after?: string | undefined },
): Promise<DomainRow[]> {
  let query = db.selectFrom("domains").selectAll().where("tenant_id", "=", tenantId);
  if (page.after !== undefined) query = query.where("id", ">", page.after);
  return query
    .orderBy("id")
    .limit(page.limit + 1)
    .execute();
}

export async function countTenantDomains(db: Executor, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom("domains")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteTenantDomain(db: Executor, tenantId: string, id: string): Promise<DomainRow | undefined> {
  return db.deleteFrom("domains").where("id", "=", id).where("tenant_id", "=", tenantId).returningAll().executeTakeFirst();
}

export async function setRequireDkim(db: Executor, id: string, requireDkim: boolean): Promise<DomainRow> {
  return db
    .updateTable("domains")
    .set({ require_dkim: requireDkim })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function setCatchAll(db: Executor, id: string, mailboxId: string | null): Promise<DomainRow | undefined> {
  return db
    .updateTable("domains")
    .set({ catch_all_mailbox_id: mailboxId })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export interface CheckOutcome {
  status: DomainStatus;
  /** True to stamp verified_at (kept when already set: the first verification is the claim). */
  verified: boolean;
  failureReason: string | null;
  nextCheckInSeconds: number;
  lastCheck: unknown;
}

/** The domain's status, its row locked until the transaction ends; undefined when it is gone. */
export async function lockDomainStatus(trx: Executor, id: string): Promise<DomainRow["status"] | undefined> {
  const row = await trx.selectFrom("domains").select("status").where("id", "=", id).forUpdate().executeTakeFirst();
  return row?.status;
}

/** Store one look-up's outcome; undefined when the domain was deleted meanwhile. */
export async function recordCheck(db: Executor, id: string, outcome: CheckOutcome): Promise<DomainRow | undefined> {
  return db
    .updateTable("domains")
    .set({
      status: outcome.status,
      verified_at: outcome.verified ? sql<Date>`coalesce(verified_at, now())` : sql<Date>`verified_at`,
      checked_at: sql<Date>`now()`,
      next_check_at: sql<Date>`now() + make_interval(secs => ${outcome.nextCheckInSeconds})`,
      failure_reason: outcome.failureReason,
      last_check: JSON.stringify(outcome.lastCheck),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Take up to `limit` domains whose check is due and push their next check `leaseSeconds` ahead, in
 * one statement: several servers can run the job at once and never check one domain twice.
 */
export async function claimDueDomains(db: Executor, limit: number, leaseSeconds: number): Promise<DomainRow[]> {
  return db
    .updateTable("domains")
    .set({ next_check_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where("id", "in", (eb) =>
      eb
        .selectFrom("domains")
        .select("id")
        .where("next_check_at", "<=", sql<Date>`now()`)
        .orderBy("next_check_at")
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}
