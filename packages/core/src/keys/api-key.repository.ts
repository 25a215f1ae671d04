import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { ApiKeyRow, NewApiKeyRow } from "./api-key.table.js";
import type { TenantRow } from "../tenants/tenant.table.js";

export async function insertApiKey(db: Executor, row: NewApiKeyRow): Promise<ApiKeyRow> {
  return db.insertInto("api_keys").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listActiveApiKeys(db: Executor, tenantId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("revoked_at", "is", null)
    .orderBy("id")
    .execute();
}

/** Revoke one of the tenant's own active keys; undefined when there is none to revoke. */
export async function revokeApiKeyRow(db: Executor, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable("api_keys")
    .set({ revoked_at: sql`now()` })
    .where("id", "=", keyId)
    .where("tenant_id", "=", tenantId)
    .where("revoked_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

export interface KeyWithTenant {
  key: Pick<ApiKeyRow, "id" | "revoked_at">;
  tenant: TenantRow;
}

export async function touchApiKey(db: Executor, keyId: string): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: sql`now()` }).where("id", "=", keyId).execute();
}

export async function findServerSecretHash(db: Executor, name: string): Promise<string | undefined> {
  const row = await db.selectFrom("server_secrets").select("secret_hash").where("name", "=", name).executeTakeFirst();
  return row?.secret_hash;
}

/** Insert unless another process got there first; returns whether this call inserted. */
export async function insertServerSecretHash(db: Executor, name: string, secretHash: string): Promise<boolean> {
  const inserted = await db
    .insertInto("server_secrets")
    .values({ name, secret_hash: secretHash })
    .onConflict((oc) => oc.column("name").doNothing())
    .returning("name")
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface KeyWithTenantCounted extends KeyWithTenant {
  /** The key's count in the current rate-limit window after these requests (0: revoked, not counted). */
  count: number;
  windowStart: Date;
}

/**
 * The key and its tenant, and `requests` requests counted against the key in the current
 * one-minute window, in ONE statement. `count` is the window's count after them. A revoked key is
 * not counted. Run on the counters connection: a count may be lost in a crash, never a key.
 */
export async function findKeyAndCountRequests(
  db: Executor,
  secretHash: string,
  requests: number,
): Promise<KeyWithTenantCounted | undefined> {
  const { rows } = await sql<{
    key_id: string;
    revoked_at: Date | null;
    tenant_id: string;
    tenant_name: string;
    tenant_plan: TenantRow["plan"];
    tenant_created_at: Date;
    count: number | null;
    window_start: Date | null;
  }>`
    with found as (
      select k.id as key_id, k.revoked_at, t.id as tenant_id, t.name as tenant_name, t.plan as tenant_plan,
             t.created_at as tenant_created_at
      from api_keys k join tenants t on t.id = k.tenant_id
      where k.secret_hash = ${secretHash}
    ), counted as (
      insert into rate_limit_windows (subject, window_start, count)
      select key_id, date_trunc('minute', now()), ${requests}::int from found where revoked_at is null
      on conflict (subject, window_start) do update set count = rate_limit_windows.count + excluded.count
      returning count, window_start
    )
    select found.*, counted.count, counted.window_start from found left join counted on true
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    key: { id: row.key_id, revoked_at: row.revoked_at },
    tenant: { id: row.tenant_id, name: row.tenant_name, plan: row.tenant_plan, created_at: row.tenant_created_at },
    count: row.count ?? 0,
    windowStart: row.window_start ?? new Date(),
  };
}
