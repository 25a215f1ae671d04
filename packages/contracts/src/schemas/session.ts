import { z } from "zod";
import { EXAMPLE_IDS } from "../ids.js";
import { zPlan } from "../plans.js";
import { EXAMPLE_TIMES, example, zTimestamp } from "./common.js";

/** A mailbox token: `Authorization: Bearer mr_mbx_…`, reaching one mailbox only. */
export const MAILBOX_TOKEN_PREFIX = "mr_mbx_";
/** The browser session's cookie: the same kind of token, HttpOnly. */
export const SESSION_COOKIE = "mailroom_session";
/** The header a cookie-authenticated request other than GET/HEAD must carry. */
export const CSRF_HEADER = "X-CSRF-Token";
/** CSRF tokens carry a prefix so the logger recognises (and redacts) them by shape. */
export const CSRF_TOKEN_PREFIX = "mr_csrf_";

export const zSignInInput = z.object({
  // Not validated as an address: any wrong value answers the one INVALID_CREDENTIALS, never a 400 that
  // would tell a guesser which addresses are well-formed.
  address: z.string().min(1, "Address is required").max(320, "Address must be at most 320 characters"),
  password: z.string().min(1, "Password is required").max(1024, "Password must be at most 1024 characters"),
});
export type SignInInput = z.infer<typeof zSignInInput>;

export const zSessionMailbox = z.object({ id: z.string(), address: z.string() });

export const zCreatedToken = z.object({
  token: z.string().describe("The mailbox token (mr_mbx_…): send it as `Authorization: Bearer`. Shown only once"),
  expires_at: zTimestamp,
  mailbox: zSessionMailbox,
});

export const zSignedIn = z.object({
  mailbox: zSessionMailbox,
  expires_at: zTimestamp,
  csrf_token: z.string().describe("Send it as the X-CSRF-Token header on every request other than GET/HEAD; GET /me repeats it"),
});

const zRateLimitInfo = z.object({ limit: z.number().int(), window_seconds: z.number().int() });

export const zMe = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("admin"), key_id: z.null(), tenant: z.null(), rate_limit: zRateLimitInfo }),
  z.object({
    kind: z.literal("tenant"),
    key_id: z.string(),
    tenant: z.object({ id: z.string(), name: z.string(), plan: zPlan }),
    rate_limit: zRateLimitInfo,
  }),
  z.object({
    kind: z.literal("mailbox"),
    tenant_id: z.string(),
    mailbox: zSessionMailbox,
    expires_at: zTimestamp,
    rate_limit: zRateLimitInfo,
    csrf_token: z
      .string()
      .optional()
      .describe("Only when signed in by the session cookie: the X-CSRF-Token value, for a reloaded page"),
  }),
]);
export type Me = z.infer<typeof zMe>;

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleMailbox = { id: EXAMPLE_IDS.mailbox, address: "info@example.com" };
example(zSignInInput, { address: "info@example.com", password: "correct-horse-battery" });
example(zSessionMailbox, exampleMailbox);
example(zCreatedToken, {
  token: "mr_mbx_Q3v9Lk2Xw8Rt5Ny1Pz7Hb4Jd6Fm0Sc3Ga8Ue2Wq5Yo",
  expires_at: EXAMPLE_TIMES.expires,
  mailbox: exampleMailbox,
});
example(zSignedIn, {
  mailbox: exampleMailbox,
  expires_at: EXAMPLE_TIMES.expires,
  csrf_token: "mr_csrf_d5Jq2VxN8kR3tW7yB1mH6cF9gL4sP0zA2eU5oI8",
});
example(zMe, {
  kind: "mailbox",
  tenant_id: EXAMPLE_IDS.tenant,
  mailbox: exampleMailbox,
  expires_at: EXAMPLE_TIMES.expires,
  rate_limit: { limit: 5000, window_seconds: 60 },
});
