import type { Executor } from "../db/database.js";
import type { NewTenantRow, TenantRow } from "./tenant.table.js";

export async function insertTenant(db: Executor, row: NewTenantRow): Promise<TenantRow> {
  return db.insertInto("tenants").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findTenantById(db: Executor, id: string): Promise<TenantRow | undefined> {
  return db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listTenantRows(db: Executor): Promise<TenantRow[]> {
  return db.selectFrom("tenants").selectAll().orderBy("id").execute();
}
