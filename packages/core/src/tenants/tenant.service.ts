import { MailroomError, type CreateTenantInput, type Tenant } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { issueApiKey, type CreatedApiKey } from "../keys/api-key.service.js";
import { findTenantById, insertTenant, listTenantRows } from "./tenant.repository.js";
import type { TenantRow } from "./tenant.table.js";

export function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, plan: row.plan, created_at: row.created_at.toISOString() };
}

/** A tenant and its first API key, in one transaction. */
export async function createTenant(deps: CoreDeps, input: CreateTenantInput): Promise<{ tenant: Tenant; apiKey: CreatedApiKey }> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertTenant(trx, { id: newId("tenant"), name: input.name, plan: input.plan });
    const apiKey = await issueApiKey(trx, row.id, { name: "default" });
    deps.logger.info({ tenantId: row.id, plan: row.plan }, "tenant created");
    return { tenant: toTenant(row), apiKey };
  });
}

export async function listTenants(deps: CoreDeps): Promise<{ tenants: Tenant[]; total: number }> {
  const rows = await listTenantRows(deps.db);
  return { tenants: rows.map(toTenant), total: rows.length };
}

export async function getTenant(deps: CoreDeps, id: string): Promise<Tenant> {
  const row = await findTenantById(deps.db, id);
  if (!row) throw new MailroomError("TENANT_NOT_FOUND", `Tenant ${id} not found`);
  return toTenant(row);
}
