import { z } from "zod";
import { zId } from "../ids.js";
import { zPlan } from "../plans.js";
import { NON_BLANK, zTimestamp } from "./common.js";

export const zTenant = z.object({
  id: z.string(),
  name: z.string(),
  plan: zPlan,
  created_at: zTimestamp,
});
export type Tenant = z.infer<typeof zTenant>;

export const zCreateTenantInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100, "Name must be at most 100 characters").meta(NON_BLANK),
  plan: zPlan.default("free"),
});
export type CreateTenantInput = z.infer<typeof zCreateTenantInput>;

export const zCreateTenantOutput = zTenant.extend({
  api_key: z.string().describe("The tenant's first API key; shown only once"),
});

export const zListTenantsOutput = z.object({ tenants: z.array(zTenant), total: z.number().int() });

export const zTenantIdInput = z.object({ id: zId("tenant") });
