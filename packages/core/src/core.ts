import type { CreateTenantInput } from "@mailroom/contracts";
import type { CoreDeps } from "./deps.js";
import { ensureAdminKey } from "./keys/admin-key.js";
import {
  createApiKey,
  listApiKeys,
  resolveApiKey,
  revokeApiKey,
  type Principal,
} from "./keys/api-key.service.js";
import { consumeRateLimit, pruneRateLimitWindows } from "./rate-limit/rate-limit.service.js";
import { createTenant, getTenant, listTenants } from "./tenants/tenant.service.js";

/**
 * The domain, bound to its dependencies: what the API and the SMTP servers call.
 * Created once per process, after ensureAdminKey has run.
 */
export async function createCore(deps: CoreDeps) {
  const admin = await ensureAdminKey(deps);
  return {
    deps,
    adminKeyFile: admin.writtenTo,
    tenants: {
      create: (input: CreateTenantInput) => createTenant(deps, input),
      list: () => listTenants(deps),
      get: (id: string) => getTenant(deps, id),
    },
    keys: {
      create: (tenantId: string, input: { name?: string | undefined }) => createApiKey(deps, tenantId, input),
      list: (tenantId: string) => listApiKeys(deps, tenantId),
      revoke: (tenantId: string, keyId: string) => revokeApiKey(deps, tenantId, keyId),
    },
    auth: {
      resolveApiKey: (secret: string | undefined): Promise<Principal> => resolveApiKey(deps, admin.hash, secret),
      rateLimitFor: (principal: Principal): number => rateLimitFor(deps, principal),
      consumeRateLimit: (principal: Principal) =>
        consumeRateLimit(deps, principal.subject, rateLimitFor(deps, principal), principal.keyId),
    },
    // domains (issue 3)

    // mailboxes (issue 4)

    // receiving (issue 5)

    // sending (issue 6)

    maintenance: {
      pruneRateLimitWindows: () => pruneRateLimitWindows(deps),
    },
  };
}

export type Core = Awaited<ReturnType<typeof createCore>>;

/** The admin key gets the most generous plan's limit. */
function rateLimitFor(deps: CoreDeps, principal: Principal): number {
  return principal.kind === "admin" ? deps.config.rateLimits.lifetime : deps.config.rateLimits[principal.tenant.plan];
}
