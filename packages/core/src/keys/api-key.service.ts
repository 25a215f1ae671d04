import {
  ADMIN_KEY_PREFIX,
  API_KEY_PREFIX,
  MAILBOX_TOKEN_PREFIX,
  MailroomError,
  type ApiKey,
  type Tenant,
} from "@mailroom/contracts";
import type { Executor } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import { newId, randomSecret } from "../ids.js";
import { toTenant } from "../tenants/tenant.service.js";
import { findTenantById } from "../tenants/tenant.repository.js";
import { consumeRateLimit, countedRequest, type RateLimitState } from "../rate-limit/rate-limit.service.js";
import { insertApiKey, listActiveApiKeys, revokeApiKeyRow } from "./api-key.repository.js";
import type { ApiKeyRow } from "./api-key.table.js";
import type { KeyLookup } from "./key-lookup.js";
import { hashSecret, sameHash } from "./secret-hash.js";
import { authenticateMailboxToken, type MailboxTokenPrincipal } from "../sessions/mailbox-token.service.js";

const UNKNOWN_ADMIN_KEY =
  "unknown admin key (each database has its own: use the key file written for the database this server runs on, or MAILROOM_ADMIN_KEY)";
const invalidKey = (reason: string) => new MailroomError("INVALID_API_KEY", `Invalid or expired API key: ${reason}`);

export type CreatedApiKey = ApiKey & { api_key: string };

/** Who a request acts as: the admin, a tenant (by one of its keys), or one mailbox of a tenant (by a mailbox token). */
export type Principal =
  | { kind: "admin"; keyId: null; tenant: null; subject: "admin" }
  | { kind: "tenant"; keyId: string; tenant: Tenant; subject: string }
  | MailboxTokenPrincipal;

const SECRET_LENGTH = 40;
const PREFIX_SHOWN = API_KEY_PREFIX.length + 6;

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}

/** Mint a key inside a caller's transaction. The secret exists only in the return value. */
export async function issueApiKey(db: Executor, tenantId: string, input: { name?: string | undefined }): Promise<CreatedApiKey> {
  const secret = `${API_KEY_PREFIX}${randomSecret(SECRET_LENGTH)}`;
  const row = await insertApiKey(db, {
    id: newId("key"),
    tenant_id: tenantId,
    name: input.name ?? null,
    prefix: secret.slice(0, PREFIX_SHOWN),
    secret_hash: hashSecret(secret),
    last_used_at: null,
    revoked_at: null,
  });
  return { ...toApiKey(row), api_key: secret };
}

export async function createApiKey(
  deps: CoreDeps,
  tenantId: string,
  input: { name?: string | undefined },
): Promise<CreatedApiKey> {
  const tenant = await findTenantById(deps.db, tenantId);
  if (!tenant) throw new MailroomError("TENANT_NOT_FOUND", `Tenant ${tenantId} not found`);
  const key = await issueApiKey(deps.db, tenantId, input);
  deps.logger.info({ tenantId, keyId: key.id }, "api key created");
  return key;
}

export async function listApiKeys(deps: CoreDeps, tenantId: string): Promise<ApiKey[]> {
  return (await listActiveApiKeys(deps.db, tenantId)).map(toApiKey);
}

export async function revokeApiKey(deps: CoreDeps, tenantId: string, keyId: string): Promise<void> {
  const row = await revokeApiKeyRow(deps.db, tenantId, keyId);
  // Another tenant's key is "not found" too: ids never leak across tenants.
  if (!row) throw new MailroomError("KEY_NOT_FOUND", `API key ${keyId} not found`);
  deps.logger.info({ tenantId, keyId }, "api key revoked");
}

/**
 * The one place a presented secret becomes a principal, for Bearer, ?key=, the session cookie and
 * tRPC alike (API keys and mailbox tokens), with the
 * request counted against the key's rate limit: a tenant key costs one round trip for both.
 * `adminKeyHash` comes from ensureAdminKey at start-up; `limitFor` is the principal's plan limit.
 */
export async function authenticateRequest(
  deps: CoreDeps,
  lookup: KeyLookup,
  adminKeyHash: string,
  secret: string | undefined,
  limitFor: (principal: Principal) => number,
): Promise<{ principal: Principal; rateLimit: RateLimitState }> {
  if (secret === undefined || secret === "") throw new MailroomError("MISSING_API_KEY");
  if (secret.startsWith(MAILBOX_TOKEN_PREFIX)) {
    const { principal, count, windowStart } = await authenticateMailboxToken(deps, secret);
    return { principal, rateLimit: await countedRequest(deps, count, windowStart, limitFor(principal), null) };
  }
  if (!secret.startsWith(API_KEY_PREFIX)) {
    if (!sameHash(hashSecret(secret), adminKeyHash)) {
      // An mr_admin_ key that does not match is another server's or another database's: say so, not "malformed".
      if (secret.startsWith(ADMIN_KEY_PREFIX)) throw invalidKey(UNKNOWN_ADMIN_KEY);
      throw invalidKey("the key is not in the mr_live_… format");
    }
    const principal: Principal = { kind: "admin", keyId: null, tenant: null, subject: "admin" };
    return { principal, rateLimit: await consumeRateLimit(deps, principal.subject, limitFor(principal), null) };
  }
  const found = await lookup(hashSecret(secret));
  if (!found) throw invalidKey("no such key");
  if (found.key.revoked_at) throw invalidKey("the key has been revoked");
  const principal: Principal = { kind: "tenant", keyId: found.key.id, tenant: toTenant(found.tenant), subject: found.key.id };
  return { principal, rateLimit: await countedRequest(deps, found.count, found.windowStart, limitFor(principal), found.key.id) };
}
