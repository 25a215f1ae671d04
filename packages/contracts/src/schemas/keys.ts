import { z } from "zod";
import { zId } from "../ids.js";
import { zPlan } from "../plans.js";
import { EXAMPLE_IDS } from "../ids.js";
import { EXAMPLE_TIMES, NON_BLANK, example, zTimestamp } from "./common.js";

export const API_KEY_PREFIX = "mr_live_";
export const ADMIN_KEY_PREFIX = "mr_admin_";

export const zApiKey = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string().nullable(),
  prefix: z.string().describe("The first characters of the secret, to tell keys apart"),
  created_at: zTimestamp,
  last_used_at: zTimestamp.nullable(),
});
export type ApiKey = z.infer<typeof zApiKey>;

export const zCreatedApiKey = zApiKey.extend({
  api_key: z.string().describe("The secret; shown only once"),
});

export const zCreateKeyInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name must not be blank")
    .max(100, "Name must be at most 100 characters")
    .meta(NON_BLANK)
    .optional(),
});
export const zCreateTenantKeyInput = zCreateKeyInput.extend({ id: zId("tenant") });
export const zKeyIdInput = z.object({ id: zId("key") });
export const zListKeysOutput = z.object({ keys: z.array(zApiKey) });

export const zWhoami = z.object({
  kind: z.enum(["admin", "tenant"]),
  key_id: z.string().nullable(),
  tenant: z.object({ id: z.string(), name: z.string(), plan: zPlan }).nullable(),
  rate_limit: z.object({ limit: z.number().int(), window_seconds: z.number().int() }),
});

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleKey = {
  id: EXAMPLE_IDS.key,
  tenant_id: EXAMPLE_IDS.tenant,
  name: "CI pipeline",
  prefix: "mr_live_3f9kq2",
  created_at: EXAMPLE_TIMES.created,
  last_used_at: EXAMPLE_TIMES.later,
};
example(zApiKey, exampleKey);
example(zCreatedApiKey, { ...exampleKey, last_used_at: null, api_key: "mr_live_3f9kq2x7v8b1n4m6p0r5t2w9y1z3c8d" });
example(zCreateKeyInput, { name: "CI pipeline" });
example(zCreateTenantKeyInput, { id: EXAMPLE_IDS.tenant, name: "CI pipeline" });
example(zListKeysOutput, { keys: [exampleKey] });
example(zWhoami, {
  kind: "tenant",
  key_id: EXAMPLE_IDS.key,
  tenant: { id: EXAMPLE_IDS.tenant, name: "Acme Support", plan: "pro" },
  rate_limit: { limit: 5000, window_seconds: 60 },
});
