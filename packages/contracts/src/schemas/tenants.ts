import { z } from "zod";
import { zId } from "../ids.js";
import { zPlan } from "../plans.js";
import { EXAMPLE_IDS } from "../ids.js";
import { EXAMPLE_TIMES, NON_BLANK, example, zTimestamp } from "./common.js";

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

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleTenant = { id: EXAMPLE_IDS.tenant, name: "Acme Support", plan: "pro", created_at: EXAMPLE_TIMES.created } as const;
example(zTenant, exampleTenant);
example(zCreateTenantInput, { name: "Acme Support", plan: "pro" });
example(zCreateTenantOutput, { ...exampleTenant, api_key: "mr_live_3f9kq2x7v8b1n4m6p0r5t2w9y1z3c8d" });
example(zListTenantsOutput, { tenants: [exampleTenant], total: 1 });
