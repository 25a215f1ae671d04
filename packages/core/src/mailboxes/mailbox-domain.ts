import { MailroomError, type MailroomConfig, type Plan } from "@mailroom/contracts";
import type { Executor } from "../db/database.js";
import { planMayUseSystemDomain } from "./system-domains.js";

export type MailboxDomain =
  | { kind: "system"; name: string; premium: boolean; domainId: null }
  | { kind: "own"; name: string; domainId: string };

/*
 * Which domain a new mailbox may live on. A small read of its own: the domains feature
 * (issue 3) owns creating and verifying domains; mailboxes only need to know whose a name is.
 */
export async function resolveMailboxDomain(
  db: Executor,
  config: Pick<MailroomConfig, "systemDomains">,
  tenant: { id: string; plan: Plan },
  name: string,
): Promise<MailboxDomain> {
  const system = config.systemDomains.find((d) => d.domain === name);
  if (system) {
    if (!planMayUseSystemDomain(system, tenant.plan)) {
      throw new MailroomError(
        "PREMIUM_DOMAIN_REQUIRED",
        `You don't have permission to use the domain "${name}". Premium domains require an active Pro subscription or Lifetime plan.`,
      );
    }
    return { kind: "system", name, premium: system.premium, domainId: null };
  }

  const claims = await db
    .selectFrom("domains")
    .select(["id", "tenant_id", "verified_at"])
    .where("name", "=", name)
    .execute();
  if (claims.length === 0) throw new MailroomError("MAILBOX_DOMAIN_NOT_FOUND", `Domain "${name}" not found`);

  const own = claims.find((c) => c.tenant_id === tenant.id);
  // Pending claims never block each other, but once someone else has verified the name,
  // this tenant's unverified claim can never succeed: it does not own the domain.
  const verifiedByOther = claims.some((c) => c.tenant_id !== tenant.id && c.verified_at !== null);
  if (!own || (verifiedByOther && own.verified_at === null)) {
    throw new MailroomError("MAILBOX_DOMAIN_FORBIDDEN", `You don't have permission to use the domain "${name}"`);
  }
  return { kind: "own", name, domainId: own.id };
}
