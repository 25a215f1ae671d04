import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { ERROR_META, MAILBOX_TOKEN_PREFIX, MailroomError, SESSION_COOKIE } from "@mailroom/contracts";
import type { Core, Logger, MailboxTokenPrincipal, Principal } from "@mailroom/core";
import { initTRPC } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { OpenApiMeta } from "trpc-to-openapi";
import { classifyError } from "./errors.js";
import { refuseUnsafeInput } from "./input-rules.js";
import { mailboxScope } from "./mailbox-scope.js";

/** Status and headers a procedure wants on its HTTP response; read back by responseMeta. */
export interface ResponseControl {
  status?: number;
  headers: Record<string, string>;
}

/**
 * The secret a request presents, and where: `Authorization: Bearer`, then `?key=`, then the
 * session cookie. A cookie rides along on any request the browser makes, so a cookie-authenticated
 * request other than GET/HEAD must also carry the session's CSRF token (`csrfToken`, the header).
 */
export interface Credential {
  secret: string | undefined;
  fromCookie: boolean;
  /** Whether the method may change something (anything but GET and HEAD). */
  unsafeMethod: boolean;
  /** The X-CSRF-Token header, when sent. */
  csrfToken: string | undefined;
}

export interface ContextInner {
  core: Core;
  logger: Logger;
  credential: Credential;
  /** The client's address: the socket's (no proxy header is trusted). */
  clientIp: string;
  /** The request came over TLS to this server (a session cookie is then marked Secure). */
  secureTransport: boolean;
  /**
   * The caller, when the HTTP layer already authenticated it (before reading the body, so an
   * unauthenticated caller never makes us read one). The auth middleware then does not count the
   * request a second time; a rejection is the 401/429 it answers.
   */
  authenticated: Promise<Principal> | undefined;
  /** The Idempotency-Key request header, when sent. */
  idempotencyKey: string | undefined;
  response: ResponseControl;
}

/** For tests and createCaller: a context without an HTTP request. */
export function createContextInner(opts: {
  core: Core;
  logger: Logger;
  apiKey?: string | undefined;
  credential?: Credential;
  clientIp?: string;
  secureTransport?: boolean;
  authenticated?: Promise<Principal> | undefined;
  idempotencyKey?: string | undefined;
  response?: ResponseControl;
}): ContextInner {
  return {
    core: opts.core,
    logger: opts.logger,
    credential: opts.credential ?? { secret: opts.apiKey, fromCookie: false, unsafeMethod: false, csrfToken: undefined },
    clientIp: opts.clientIp ?? "",
    secureTransport: opts.secureTransport ?? false,
    authenticated: opts.authenticated,
    idempotencyKey: opts.idempotencyKey,
    response: opts.response ?? { headers: {} },
  };
}

/** `Authorization: Bearer KEY` first, then `?key=KEY` (the temp-mail-style API allows both), then the session cookie. */
export function credentialOf(req: IncomingMessage): Credential {
  const unsafeMethod = req.method !== "GET" && req.method !== "HEAD";
  const csrfToken = headerValue(req, "x-csrf-token");
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return { secret: match?.[1] ?? "", fromCookie: false, unsafeMethod, csrfToken };
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  const key = url.searchParams.get("key");
  if (key !== null) return { secret: key, fromCookie: false, unsafeMethod, csrfToken };
  const cookie = cookieValue(req, SESSION_COOKIE);
  return { secret: cookie || undefined, fromCookie: cookie !== undefined && cookie !== "", unsafeMethod, csrfToken };
}

/** The first cookie of that name (RFC 6265 `name=value; name2=value2`). */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    return pair
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

/** The context of an HTTP request; `authenticated` is what the HTTP layer resolved before the body. */
export function createRequestContext(
  core: Core,
  logger: Logger,
  req: IncomingMessage,
  authenticated?: { principal: Promise<Principal>; response: ResponseControl },
): ContextInner {
  return createContextInner({
    core,
    logger,
    credential: credentialOf(req),
    clientIp: req.socket.remoteAddress ?? "",
    secureTransport: (req.socket as TLSSocket).encrypted === true,
    idempotencyKey: headerValue(req, "idempotency-key"),
    authenticated: authenticated?.principal,
    response: authenticated?.response,
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Procedure meta: trpc-to-openapi's, plus the success status a REST call answers with, and
 * `messageSizedBody` for the one procedure whose body may be as large as a message (every other
 * body is limited to DEFAULT_BODY_LIMIT). `openapi.protect` (default true) also tells the HTTP layer
 * to authenticate before reading a body, on every surface.
 */
export type Meta = OpenApiMeta<{ successStatus?: 200 | 201; messageSizedBody?: true }>;

const t = initTRPC
  .context<ContextInner>()
  .meta<Meta>()
  .create({
    isDev: false, // never put stack traces in responses
    errorFormatter({ shape, error }) {
      const classified = classifyError(error);
      return {
        message: classified.message,
        code: TRPC_ERROR_CODES_BY_KEY[ERROR_META[classified.code].trpc],
        data: {
          code: ERROR_META[classified.code].trpc,
          httpStatus: classified.httpStatus,
          path: shape.data.path,
          mailroom: {
            code: classified.code,
            message: classified.message,
            details: classified.details ?? null,
          },
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const withSuccessStatus = t.middleware(async ({ meta, ctx, next }) => {
  const result = await next();
  if (result.ok && meta?.successStatus) ctx.response.status = meta.successStatus;
  return result;
});

/** NUL characters and non-object bodies never reach a schema, on either surface (see input-rules.ts). */
const withSafeInput = t.middleware(async ({ getRawInput, next }) => {
  refuseUnsafeInput(await getRawInput());
  return next();
});

const baseProcedure = t.procedure.use(withSuccessStatus);

export const publicProcedure = baseProcedure.use(withSafeInput);

/**
 * Authenticate (one resolveApiKey for every surface) and count the request against the key's plan;
 * a session cookie on a request that may change something must come with its CSRF token.
 * Shared by every procedure and by the plain routes that serve bytes rather than JSON.
 */
export async function authenticate(core: Core, credential: Credential, response: ResponseControl): Promise<Principal> {
  const { secret } = credential;
  // The cookie carries only what sign-in put there: a mailbox session, never an API key.
  if (credential.fromCookie && !secret?.startsWith(MAILBOX_TOKEN_PREFIX)) {
    throw new MailroomError("INVALID_API_KEY", "Invalid or expired API key: the session cookie holds no session");
  }
  const { principal, rateLimit: state } = await core.auth.authenticate(secret);
  const resetSeconds = Math.ceil(state.resetAt.getTime() / 1000);
  response.headers["X-RateLimit-Limit"] = String(state.limit);
  response.headers["X-RateLimit-Remaining"] = String(state.remaining);
  response.headers["X-RateLimit-Reset"] = String(resetSeconds);
  if (!state.allowed) {
    const retryAfter = Math.max(1, Math.ceil((state.resetAt.getTime() - Date.now()) / 1000));
    throw new MailroomError(
      "RATE_LIMITED",
      `Rate limit of ${state.limit} requests per minute exceeded; retry in ${retryAfter} s`,
      { headers: { "Retry-After": String(retryAfter) } },
    );
  }
  if (credential.fromCookie && credential.unsafeMethod && !core.auth.csrfTokenMatches(secret!, credential.csrfToken)) {
    throw new MailroomError("CSRF_REJECTED");
  }
  return principal;
}

/** Authentication comes before any look at the input: a caller without a key learns nothing from it. */
export const authedProcedure = baseProcedure
  .use(async ({ ctx, next }) => {
    const principal = await (ctx.authenticated ?? authenticate(ctx.core, ctx.credential, ctx.response));
    return next({ ctx: { principal } });
  })
  .use(withSafeInput);

/** A tenant's own routes (keys, domains, mailboxes, webhooks …): not for the admin, nor for a mailbox token. */
export const tenantProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind === "mailbox") throw new MailroomError("MAILBOX_TOKEN_SCOPE");
  if (ctx.principal.kind !== "tenant") throw new MailroomError("TENANT_ONLY");
  return next({ ctx: { principal: ctx.principal, tenant: ctx.principal.tenant } });
});

/**
 * Routes about one mailbox's mail (inbox, messages, folders, send, sent): a tenant key reaches all
 * of the tenant's mailboxes, a mailbox token its own. Each route asks `ctx.scope` (mailbox-scope.ts).
 */
export const mailboxProcedure = authedProcedure.use(({ ctx, next }) => {
  return next({ ctx: { scope: mailboxScope(ctx.core, ctx.principal) } });
});

/** Routes that end the mailbox token or session presented. */
export const mailboxTokenProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "mailbox") throw new MailroomError("MAILBOX_TOKEN_ONLY");
  const principal: MailboxTokenPrincipal = ctx.principal;
  return next({ ctx: { principal } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind === "mailbox") throw new MailroomError("MAILBOX_TOKEN_SCOPE");
  if (ctx.principal.kind !== "admin") throw new MailroomError("ADMIN_ONLY");
  return next();
});
