import { MailroomError, type MailroomConfig, type Plan } from "@mailroom/contracts";
import type { Executor } from "../db/database.js";
import { findOtherVerifiedOwner } from "../domains/domain.repository.js";
import { planMayUseSystemDomain } from "./system-domains.js";

export type MailboxDomain =
  | { kind: "system"; name: string; premium: boolean; domainId: null }
  | { kind: "own"; name: string; domainId: string };

/*
 * Which domain a new mailbox may live on. Another tenant's domain is answered exactly as a name
 * nobody has added: whether a name is someone's customer is not ours to tell.
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

  const own = await db
    .selectFrom("domains")
    .select(["id", "verified_at"])
    .where("name", "=", name)
    .where("tenant_id", "=", tenant.id)
    .executeTakeFirst();
  if (!own) throw new MailroomError("MAILBOX_DOMAIN_NOT_FOUND", `Domain "${name}" not found`);
  // Pending claims never block each other, but once someone else has verified the name this
  // tenant's unverified claim can never succeed: the same answer its domain's verify gives.
  if (own.verified_at === null && (await findOtherVerifiedOwner(db, name, tenant.id))) {
    throw new MailroomError("DOMAIN_TAKEN", `${name} is already verified by another account`);
  }
  return { kind: "own", name, domainId: own.id };
}
