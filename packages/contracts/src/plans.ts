import { z } from "zod";

export const PLANS = ["free", "pro", "lifetime"] as const;
// Pure: a bundle that needs only PLANS (the CLI) leaves zod out, and starts 0.1 s sooner.
export const zPlan = /* @__PURE__ */ z.enum(PLANS);
export type Plan = z.infer<typeof zPlan>;

export interface PlanLimits {
  /** API requests per key per minute. */
  requestsPerMinute: number;
  /** Mailboxes per tenant; null = unlimited. */
  mailboxes: number | null;
  /** May use premium system domains. */
  premiumDomains: boolean;
}

/** Defaults; MAILROOM_RATE_LIMITS and MAILROOM_MAILBOX_QUOTAS override the numbers. */
export const PLAN_DEFAULTS: Record<Plan, PlanLimits> = {
  free: { requestsPerMinute: 1000, mailboxes: 50, premiumDomains: false },
  pro: { requestsPerMinute: 5000, mailboxes: 1000, premiumDomains: true },
  lifetime: { requestsPerMinute: 10000, mailboxes: null, premiumDomains: true },
};
