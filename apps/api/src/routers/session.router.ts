import { SESSION_COOKIE, zCreatedToken, zDeleted, zMe, zSignedIn, zSignInInput, type Me } from "@mailroom/contracts";
import { RATE_LIMIT_WINDOW_SECONDS } from "@mailroom/core";
import { z } from "zod";
import { authedProcedure, type ContextInner, mailboxTokenProcedure, publicProcedure, router } from "../trpc.js";

const tags = ["Sign-in"];

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), for the whole origin, and Secure when the request came over TLS to this server.
 */
function sessionCookie(ctx: ContextInner, token: string, maxAgeSeconds: number): string {
  const secure = ctx.secureTransport ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}

const secondsUntil = (at: Date) => Math.max(0, Math.floor((at.getTime() - Date.now()) / 1000));

/**
 * Mailbox sign-in: an address and its password become a token that reaches that mailbox only,
 * either handed to an API client (POST /token) or kept in an HttpOnly cookie for the webmail
 * (POST /session). Failed sign-ins share the mail protocols' throttle per client IP and address.
 */
export const sessionRouter = router({
  createToken: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/token",
        tags,
        summary: "Sign in as a mailbox: a token that reads and sends as that mailbox only",
        description:
          "Send it as `Authorization: Bearer mr_mbx_…`. It ends at `expires_at` (MAILROOM_MAILBOX_TOKEN_TTL_HOURS), when " +
          "revoked (DELETE /token), or when the mailbox is deleted, disabled or its password changes. A wrong address or " +
          "password answers 401 INVALID_CREDENTIALS; too many failures from one IP or for one address, 429 LOGIN_THROTTLED.",
        protect: false,
      },
      successStatus: 201,
    })
    .input(zSignInInput)
    .output(zCreatedToken)
    .mutation(async ({ ctx, input }) => {
      const issued = await ctx.core.sessions.signIn(ctx.clientIp, input.address, input.password);
      ctx.response.headers["Cache-Control"] = "no-store";
      return { token: issued.token, expires_at: issued.expiresAt.toISOString(), mailbox: issued.mailbox };
    }),

  revokeToken: mailboxTokenProcedure
    .meta({ openapi: { method: "DELETE", path: "/token", tags, summary: "Revoke the mailbox token presented" } })
    .input(z.void())
    .output(zDeleted)
    .mutation(async ({ ctx }) => {
      await ctx.core.sessions.revoke(ctx.principal.tokenId);
      return { deleted: true as const };
    }),

  signIn: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/session",
        tags,
        summary: "Sign in as a mailbox in a browser: the token goes into an HttpOnly cookie",
        description:
          "Sets `mailroom_session` (HttpOnly, SameSite=Strict, Path=/, Secure over TLS). Requests with the cookie other " +
          "than GET/HEAD must carry `X-CSRF-Token: <csrf_token>` (else 403 CSRF_REJECTED); GET /me repeats csrf_token.",
        protect: false,
      },
    })
    .input(zSignInInput)
    .output(zSignedIn)
    .mutation(async ({ ctx, input }) => {
      const issued = await ctx.core.sessions.signIn(ctx.clientIp, input.address, input.password);
      ctx.response.headers["Set-Cookie"] = sessionCookie(ctx, issued.token, secondsUntil(issued.expiresAt));
      ctx.response.headers["Cache-Control"] = "no-store";
      return {
        mailbox: issued.mailbox,
        expires_at: issued.expiresAt.toISOString(),
        csrf_token: ctx.core.auth.csrfToken(issued.token),
      };
    }),

  signOut: mailboxTokenProcedure
    .meta({ openapi: { method: "DELETE", path: "/session", tags, summary: "Sign out: revoke the session and clear its cookie" } })
    .input(z.void())
    .output(zDeleted)
    .mutation(async ({ ctx }) => {
      await ctx.core.sessions.revoke(ctx.principal.tokenId);
      ctx.response.headers["Set-Cookie"] = sessionCookie(ctx, "", 0);
      return { deleted: true as const };
    }),

  me: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/me",
        tags,
        summary: "Who the request acts as: the admin, a tenant (API key) or a mailbox (token or session)",
      },
    })
    .input(z.void())
    .output(zMe)
    .query(({ ctx }): Me => {
      const p = ctx.principal;
      const rate_limit = { limit: ctx.core.auth.rateLimitFor(p), window_seconds: RATE_LIMIT_WINDOW_SECONDS };
      if (p.kind === "admin") return { kind: "admin", key_id: null, tenant: null, rate_limit };
      if (p.kind === "tenant") {
        return {
          kind: "tenant",
          key_id: p.keyId,
          tenant: { id: p.tenant.id, name: p.tenant.name, plan: p.tenant.plan },
          rate_limit,
        };
      }
      const { secret, fromCookie } = ctx.credential;
      return {
        kind: "mailbox",
        tenant_id: p.tenant.id,
        mailbox: p.mailbox,
        expires_at: p.expiresAt.toISOString(),
        rate_limit,
        // A reloaded page has the cookie but lost the CSRF token: here it gets it back.
        ...(fromCookie && secret ? { csrf_token: ctx.core.auth.csrfToken(secret) } : {}),
      };
    }),
});
