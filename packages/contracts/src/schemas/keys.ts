import { z } from "zod";
import { zId } from "../ids.js";
import { zPlan } from "../plans.js";
import { NON_BLANK, zTimestamp } from "./common.js";

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
