import type { IncomingMessage, ServerResponse } from "node:http";
import { MailroomError } from "@mailroom/contracts";
import type { Core, Logger } from "@mailroom/core";
import { getTRPCErrorFromUnknown } from "@trpc/server";
import { classifyError, toErrorBody } from "../errors.js";
import type { AppRouter } from "../root.js";
import { createRequestContext, type ResponseControl } from "../trpc.js";
import { parseJsonBody, readBody } from "./json-body.js";
import { authenticateFirst, bodyLimitFor, checkJsonContentType, closeIfBodyUnread } from "./request-gate.js";
import { restRoutes, type RestRoute } from "./rest-routes.js";

/**
 * REST over the tRPC router, routed by each procedure's OpenAPI meta. In this order, so that no
 * caller makes us read more than it may: route (404/405), key (401/429), path parameters (400),
 * content type (415), size (413), JSON (400); then the procedure, through a caller with the
 * principal already resolved. Every error answers our documented body, status from the catalogue.
 */
export function createRestHandler(router: AppRouter, core: Core, logger: Logger, messageBodyLimit: number) {
  const routes = restRoutes(router);
  const callerFor = router.createCaller;

  return async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    let response: ResponseControl = { headers: {} };
    try {
      const match = routes.match(req.method ?? "GET", path);
      const route = match.route;
      const authenticated = await authenticateFirst(core, req, route.protect);
      if (authenticated) {
        response = authenticated.response;
        await authenticated.principal;
      }
      const input = await readInput(req, route, match.params, url, messageBodyLimit);
      const ctx = createRequestContext(core, logger, req, authenticated);
      // biome-ignore lint/suspicious/noExplicitAny: the caller is a nested record of procedures; the path comes from the router itself
      const call = route.procedurePath.split(".").reduce<any>((node, key) => node[key], callerFor(ctx));
      const data: unknown = await call(input);
      sendJson(req, res, ctx.response.status ?? 200, ctx.response.headers, data);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const classified = classifyError(error);
      if (classified.code === "INTERNAL_ERROR") logger.error({ err: error.cause ?? error, path }, "request failed");
      sendJson(req, res, classified.httpStatus, { ...response.headers, ...classified.headers }, toErrorBody(classified));
    }
  };
}

/** A procedure's input: the JSON body (POST, PUT, PATCH) or the query string, and the path parameters. */
async function readInput(
  req: IncomingMessage,
  route: RestRoute,
  params: Record<string, string>,
  url: URL,
  messageBodyLimit: number,
): Promise<unknown> {
  const pathInput = decodePathParameters(params);
  if (!route.takesBody) {
    if (!route.hasInput) return undefined;
    return { ...queryInput(url, route), ...pathInput };
  }
  checkJsonContentType(req);
  const body = await parseJsonBody(await readBody(req, bodyLimitFor(route.meta, messageBodyLimit)));
  if (!route.hasInput) return undefined;
  if (body === undefined) return { ...pathInput };
  // A body that is not an object keeps its shape (the schema refuses it); path parameters win.
  return body !== null && typeof body === "object" && !Array.isArray(body) ? { ...body, ...pathInput } : body;
}

/** `%zz` or an encoded lone surrogate is a client's mistake: 400, never a URIError's 500. */
function decodePathParameters(params: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new MailroomError("VALIDATION_ERROR", undefined, {
        details: [{ path: [name], message: "Not valid percent-encoding (RFC 3986) of UTF-8" }],
      });
    }
  }
  return decoded;
}

/** Query parameters: one value as a string, repeated ones (or array fields) as an array. */
function queryInput(url: URL, route: RestRoute): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 && !route.arrayFields.has(key) ? values[0]! : values;
  }
  return query;
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: unknown) {
  closeIfBodyUnread(req, res);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(body));
}
