import { createHmac, timingSafeEqual } from "node:crypto";
import { CSRF_TOKEN_PREFIX, MAILBOX_TOKEN_PREFIX, MailroomError } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { newId, randomSecret } from "../ids.js";
import { hashSecret, sameHash } from "../keys/secret-hash.js";
import { loginMailbox } from "../mailboxes/mailbox-login.js";
import { passwordStamp } from "../mailboxes/mailbox.service.js";
import { plainIp } from "../net/client-address.js";
import { toTenant } from "../tenants/tenant.service.js";
import type { Tenant } from "@mailroom/contracts";
import {
  deleteExpiredMailboxTokens,
  deleteMailboxToken,
  findTokenAndCountRequest,
  insertMailboxToken,
} from "./mailbox-token.repository.js";

const SECRET_LENGTH = 43; // ~256 bits of base62

/** A mailbox token as core hands it out; the secret exists only here. */
export interface IssuedMailboxToken {
  token: string;
  id: string;
  tenantId: string;
  mailbox: { id: string; address: string };
  expiresAt: Date;
}

/** What an authenticated mailbox token stands for. */
export interface MailboxTokenPrincipal {
  kind: "mailbox";
  keyId: null;
  tokenId: string;
  tenant: Tenant;
  mailbox: { id: string; address: string };
  expiresAt: Date;
  /** The rate-limit subject: the token's own window, at its tenant's plan limit, as a key has. */
  subject: string;
}

const invalidToken = () =>
  new MailroomError("INVALID_API_KEY", "Invalid or expired API key: no such mailbox token, or it has expired or been revoked");

/** Seconds until the current one-minute window of failed logins ends. */
function secondsToNextMinute(): number {
  return Math.max(1, 60 - new Date().getUTCSeconds());
}

/**
 * Sign in with a mailbox's address and password from `ip` (the socket's address): the same login
 * as submission, IMAP and POP3, so failures share their throttle. One answer for every wrong
 * credential; nothing is written for one but the failure count.
 */
export async function issueMailboxToken(
  deps: CoreDeps,
  ip: string,
  address: string,
  password: string,
): Promise<IssuedMailboxToken> {
  const login = await loginMailbox(deps, plainIp(ip), address, password);
  if (login.kind === "blocked") {
    const retryAfter = secondsToNextMinute();
    throw new MailroomError("LOGIN_THROTTLED", `Too many failed sign-ins; try again in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  if (login.kind === "invalid") throw new MailroomError("INVALID_CREDENTIALS");
  const token = `${MAILBOX_TOKEN_PREFIX}${randomSecret(SECRET_LENGTH)}`;
  const row = await insertMailboxToken(deps.db, {
    id: newId("mailboxToken"),
    tenant_id: login.mailbox.tenantId,
    mailbox_id: login.mailbox.id,
    secret_hash: hashSecret(token),
    password_stamp: login.passwordStamp,
    expires_at: new Date(Date.now() + deps.config.mailboxTokenTtlMs),
  });
  deps.logger.info({ tenantId: row.tenant_id, mailboxId: row.mailbox_id, tokenId: row.id }, "mailbox token issued");
  return {
    token,
    id: row.id,
    tenantId: row.tenant_id,
    mailbox: { id: login.mailbox.id, address: login.mailbox.address },
    expiresAt: row.expires_at,
  };
}

export async function revokeMailboxToken(deps: CoreDeps, tokenId: string): Promise<void> {
  if (await deleteMailboxToken(deps.db, tokenId)) deps.logger.info({ tokenId }, "mailbox token revoked");
}

export function pruneExpiredMailboxTokens(deps: CoreDeps): Promise<number> {
  return deleteExpiredMailboxTokens(deps.db);
}

/**
 * A mailbox token as a principal, with the request counted (one statement). It is dead once
 * revoked (deleted), expired, its mailbox deleted (cascade), disabled or expired, or its password
 * changed (the stamp no longer matches the stored hash).
 */
export async function authenticateMailboxToken(
  deps: CoreDeps,
  secret: string,
): Promise<{ principal: MailboxTokenPrincipal; count: number; windowStart: Date }> {
  const found = await findTokenAndCountRequest(deps.countersDb ?? deps.db, hashSecret(secret));
  if (!found?.live) throw invalidToken();
  const hash = found.mailbox.passwordHash;
  if (hash === null || !sameHash(passwordStamp(hash), found.passwordStamp)) throw invalidToken();
  const principal: MailboxTokenPrincipal = {
    kind: "mailbox",
    keyId: null,
    tokenId: found.tokenId,
    tenant: toTenant(found.tenant),
    mailbox: { id: found.mailbox.id, address: found.mailbox.address },
    expiresAt: found.expiresAt,
    subject: found.tokenId,
  };
  return { principal, count: found.count, windowStart: found.windowStart };
}

/**
 * The CSRF token of a browser session: an HMAC of the session's token under a server key. Derived,
 * not stored, so GET /me can hand it again to a reloaded page that holds only the cookie; keyed, so
 * it cannot be computed from anything a page can read (the cookie is HttpOnly).
 */
export function csrfTokenFor(key: Buffer, token: string): string {
  return `${CSRF_TOKEN_PREFIX}${createHmac("sha256", key).update(token, "utf8").digest("base64url")}`;
}

export function csrfTokenMatches(key: Buffer, token: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(key, token), "utf8");
  const given = Buffer.from(presented, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
