import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import { consumeRateLimit } from "../rate-limit/rate-limit.service.js";

/** Failed logins allowed per minute, before further attempts are refused without a password check. */
export const MAX_FAILURES_PER_IP = 10;
export const MAX_FAILURES_PER_ADDRESS = 5;

const ipSubject = (ip: string) => `smtp-auth-fail:ip:${ip}`;
const addressSubject = (address: string) => `smtp-auth-fail:addr:${address.toLowerCase()}`;

/**
 * Failed submission logins, counted per client IP and per address in the database's one-minute
 * rate-limit windows: every process on the database sees the same counts (an attacker cannot
 * spread guesses over servers), a restart forgets nothing, and the existing prune job cleans up.
 */
export async function loginBlocked(deps: CoreDeps, ip: string, address: string): Promise<boolean> {
  const rows = await deps.db
    .selectFrom("rate_limit_windows")
    .select(["subject", "count"])
    .where("subject", "in", [ipSubject(ip), addressSubject(address)])
    .where("window_start", "=", sql<Date>`date_trunc('minute', now())`)
    .execute();
  const count = (subject: string) => rows.find((r) => r.subject === subject)?.count ?? 0;
  return count(ipSubject(ip)) >= MAX_FAILURES_PER_IP || count(addressSubject(address)) >= MAX_FAILURES_PER_ADDRESS;
}

export async function recordLoginFailure(deps: CoreDeps, ip: string, address: string): Promise<void> {
  await consumeRateLimit(deps, ipSubject(ip), MAX_FAILURES_PER_IP, null);
  await consumeRateLimit(deps, addressSubject(address), MAX_FAILURES_PER_ADDRESS, null);
}
