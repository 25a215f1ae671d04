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

export async function findKeyWithTenantByHash(db: Executor, secretHash: string): Promise<KeyWithTenant | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("tenants", "tenants.id", "api_keys.tenant_id")
    .select([
      "api_keys.id as key_id",
      "api_keys.revoked_at as revoked_at",
      "tenants.id as tenant_id",
      "tenants.name as tenant_name",
      "tenants.plan as tenant_plan",
      "tenants.created_at as tenant_created_at",
    ])
    .where("api_keys.secret_hash", "=", secretHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    key: { id: row.key_id, revoked_at: row.revoked_at },
    tenant: { id: row.tenant_id, name: row.tenant_name, plan: row.tenant_plan, created_at: row.tenant_created_at },
  };
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
