import type { IncomingMessage } from "node:http";
import { ERROR_META, MailroomError } from "@mailroom/contracts";
import type { Core, Logger, Principal } from "@mailroom/core";
import { initTRPC } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { OpenApiMeta } from "trpc-to-openapi";
import { classifyError } from "./errors.js";
import { refuseUnsafeInput } from "./input-rules.js";

/** Status and headers a procedure wants on its HTTP response; read back by responseMeta. */
export interface ResponseControl {
  status?: number;
  headers: Record<string, string>;
}

export interface ContextInner {
  core: Core;
  logger: Logger;
  apiKey: string | undefined;
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
  authenticated?: Promise<Principal> | undefined;
  idempotencyKey?: string | undefined;
  response?: ResponseControl;
}): ContextInner {
  return {
    core: opts.core,
    logger: opts.logger,
    apiKey: opts.apiKey,
    authenticated: opts.authenticated,
    idempotencyKey: opts.idempotencyKey,
    response: opts.response ?? { headers: {} },
  };
}

/** `Authorization: Bearer KEY` first, then `?key=KEY` (the temp-mail-style API allows both). */
export function extractApiKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? "";
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  return url.searchParams.get("key") ?? undefined;
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
    apiKey: extractApiKey(req),
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
 * Authenticate (one resolveApiKey for every surface) and count the request against the key's plan.
 * Shared by every procedure and by the plain routes that serve bytes rather than JSON.
 */
export async function authenticate(core: Core, apiKey: string | undefined, response: ResponseControl): Promise<Principal> {
  const { principal, rateLimit: state } = await core.auth.authenticate(apiKey);
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
  return principal;
}

/** Authentication comes before any look at the input: a caller without a key learns nothing from it. */
export const authedProcedure = baseProcedure
  .use(async ({ ctx, next }) => {
    const principal = await (ctx.authenticated ?? authenticate(ctx.core, ctx.apiKey, ctx.response));
    return next({ ctx: { principal } });
  })
  .use(withSafeInput);

export const tenantProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "tenant") throw new MailroomError("TENANT_ONLY");
  return next({ ctx: { principal: ctx.principal, tenant: ctx.principal.tenant } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "admin") throw new MailroomError("ADMIN_ONLY");
  return next();
});
