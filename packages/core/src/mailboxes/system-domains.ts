import { PLAN_DEFAULTS, type MailroomConfig, type Plan, type SystemDomain } from "@mailroom/contracts";

/** Whether a tenant on `plan` may create addresses on this system domain: premium ones need a plan that has them. */
export function planMayUseSystemDomain(domain: { premium: boolean }, plan: Plan): boolean {
  return !domain.premium || PLAN_DEFAULTS[plan].premiumDomains;
}

/** The server's system domains, in configured order, and which of them this plan may use. */
export function listSystemDomains(config: Pick<MailroomConfig, "systemDomains">, plan: Plan): SystemDomain[] {
  return config.systemDomains.map((d) => ({ domain: d.domain, premium: d.premium, available: planMayUseSystemDomain(d, plan) }));
}
