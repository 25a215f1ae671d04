import type { IncomingMessage, ServerResponse } from "node:http";
import type { Core, Logger } from "@mailroom/core";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import { classifyError, toErrorBody } from "../errors.js";
import type { AppRouter } from "../root.js";
import { makeCreateContext, type ContextInner } from "../trpc.js";

interface ShapeWithMailroom {
  data?: { mailroom?: { code: string; message: string; details: { path: (string | number)[]; message: string }[] | null } };
}

/**
 * REST over the tRPC router. trpc-to-openapi writes its own error body, so the error shape our
 * errorFormatter produced is turned into the documented `{success:false, error, code, details}` here,
 * and the status and headers come from the catalogue via responseMeta.
 */
export function createRestHandler(router: AppRouter, core: Core, logger: Logger, maxBodySize: number) {
  const handler = createOpenApiNodeHttpHandler({
    router,
    maxBodySize,
    createContext: makeCreateContext(core, logger),
    responseMeta: ({ ctx, errors }) => {
      const response = (ctx as ContextInner | undefined)?.response;
      const headers: Record<string, string> = { ...response?.headers };
      const error = errors[0];
      if (error) {
        const classified = classifyError(error);
        return { status: classified.httpStatus, headers: { ...headers, ...classified.headers } };
      }
      return { status: response?.status ?? 200, headers };
    },
    onError: ({ error, path }) => {
      if (classifyError(error).code === "INTERNAL_ERROR") {
        logger.error({ err: error.cause ?? error, path }, "request failed");
      }
    },
  });

  return async (req: IncomingMessage, res: ServerResponse, prefixLength: number): Promise<void> => {
    req.url = req.url?.slice(prefixLength) || "/";
    normaliseContentType(req);
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    res.end = ((chunk?: unknown) => {
      if (res.statusCode >= 400 && typeof chunk === "string") chunk = JSON.stringify(toRestErrorBody(chunk));
      return end(chunk);
    }) as typeof res.end;
    await handler(req, res);
  };
}

function toRestErrorBody(serialised: string) {
  try {
    const shape = JSON.parse(serialised) as ShapeWithMailroom;
    const m = shape.data?.mailroom;
    if (m) return toErrorBody({ code: m.code as never, message: m.message, ...(m.details ? { details: m.details } : {}) });
  } catch {
    // fall through: not our shape
  }
  return toErrorBody({ code: "INTERNAL_ERROR", message: "Internal server error" });
}

/**
 * trpc-to-openapi parses a body only when content-type is exactly application/json. Accept the
 * forms clients really send (charset parameters) and a body-less POST with no content-type at all.
 */
function normaliseContentType(req: IncomingMessage): void {
  const type = req.headers["content-type"];
  if (type && /^application\/json\s*(;|$)/i.test(type)) {
    req.headers["content-type"] = "application/json";
  } else if (!type && !req.headers["transfer-encoding"] && (req.headers["content-length"] ?? "0") === "0") {
    req.headers["content-type"] = "application/json";
  }
}

export { classifyError };
