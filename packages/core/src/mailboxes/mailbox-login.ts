import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import { isLoopback, plainIp } from "../net/client-address.js";
import { consumeRateLimit } from "../rate-limit/rate-limit.service.js";
import { checkMailboxPassword, type Mailbox } from "./mailbox.service.js";

/** Failed logins allowed per minute, before further attempts are refused without a password check. */
export const MAX_FAILURES_PER_IP = 10;
export const MAX_FAILURES_PER_ADDRESS = 5;

// One count for every protocol a mailbox logs in with (submission, POP3): a guesser cannot
// double their tries by alternating ports, since the password is the same.
const ipSubject = (ip: string) => `mailbox-login-fail:ip:${ip}`;
const addressSubject = (address: string) => `mailbox-login-fail:addr:${address.toLowerCase()}`;

/**
 * Whether a client may send a mailbox password on this connection: over TLS, from this machine,
 * or anywhere when the operator allows clear text (SUBMISSION_ALLOW_INSECURE_AUTH).
 */
export function clearTextLoginAllowed(deps: CoreDeps, connection: { secure: boolean; remoteAddress: string }): boolean {
  return connection.secure || isLoopback(plainIp(connection.remoteAddress)) || deps.config.sending.allowInsecureAuth;
}

/**
 * Failed mailbox logins, counted per client IP and per address in the database's one-minute
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

/** `passwordStamp`: see checkMailboxPassword (mailbox tokens are tied to it). */
export type MailboxLogin = { kind: "ok"; mailbox: Mailbox; passwordStamp: string } | { kind: "blocked" } | { kind: "invalid" };

/**
 * A mailbox login from `ip`: refused unchecked while the throttle holds, otherwise the password
 * is checked and a failure counted. The caller has already decided the channel may carry it.
 */
export async function loginMailbox(deps: CoreDeps, ip: string, username: string, password: string): Promise<MailboxLogin> {
  const address = username.trim().toLowerCase();
  if (await loginBlocked(deps, ip, address)) return { kind: "blocked" };
  const checked = address ? await checkMailboxPassword(deps, address, password) : null;
  if (checked) return { kind: "ok", ...checked };
  await recordLoginFailure(deps, ip, address);
  return { kind: "invalid" };
}
