import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { MailroomError } from "@mailroom/contracts";
import type { Core, DatabaseHandle, Logger } from "@mailroom/core";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { classifyError, toErrorBody } from "../errors.js";
import type { AppRouter } from "../root.js";
import { createRequestContext, type ContextInner, type Meta } from "../trpc.js";
import { serveDocs } from "./docs-page.js";
import { DEFAULT_BODY_LIMIT, parseJsonBody, readBody } from "./json-body.js";
import { EVENT_STREAM_PATH, serveEventStream } from "./event-stream.js";
import { isMessageDownload, serveMessageDownload } from "./message-downloads.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import { redactUrl } from "./redact-url.js";
import {
  authenticateFirst,
  bodyLimitFor,
  checkJsonContentType,
  closeIfBodyUnread,
  refused,
  type Authenticated,
} from "./request-gate.js";
import { createRestHandler } from "./rest-handler.js";
import { createWebApp } from "./web-app.js";

export interface HttpServerOptions {
  router: AppRouter;
  core: Core;
  database: DatabaseHandle;
  logger: Logger;
  version: string;
  /** The send route's body limit (every other route takes DEFAULT_BODY_LIMIT). */
  messageBodyLimit?: number;
  /** Time a client has to send a whole request. */
  requestTimeoutMs?: number;
  /** Open connections at once; more are closed as they arrive. */
  maxConnections?: number;
  /** In a cluster, this worker's number: /healthz names it, so an operator can see which process answered. */
  workerId?: number | undefined;
  /** The built browser app; undefined = apps/web/dist beside the server's code. */
  webDir?: string | undefined;
}

/**
 * The listener's own limits: a client gets HEADERS_TIMEOUT_MS for its headers (then 408 and the
 * connection closes), MAX_HEADER_BYTES of them (431), and an idle keep-alive connection closes
 * after KEEP_ALIVE_TIMEOUT_MS.
 */
export const HEADERS_TIMEOUT_MS = 20_000;
export const MAX_HEADER_BYTES = 16 * 1024;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

const REST_PREFIXES = ["/api/v1", "/v1"] as const;
/** First path segments that belong to the API: an unknown path under them is a JSON 404, never the web app. */
const API_SEGMENTS = new Set(["api", "v1", "trpc", "docs", "healthz"]);

export function createHttpServer(options: HttpServerOptions): Server {
  const { router, core, database, logger } = options;
  const messageBodyLimit = options.messageBodyLimit ?? DEFAULT_BODY_LIMIT;
  const rest = createRestHandler(router, core, logger, messageBodyLimit);
  const trpc = createTrpcHandler(router, core, logger, messageBodyLimit);
  const webApp = createWebApp({ dir: options.webDir, logger });
  let openApiJson: string | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = url.pathname;

    if (pathname === "/healthz") {
      const ok = await database.ping(1500);
      const status = ok ? "ok" : "unavailable";
      return sendJson(
        req,
        res,
        ok ? 200 : 503,
        options.workerId === undefined ? { status } : { status, worker: options.workerId },
      );
    }
    if (pathname.startsWith("/trpc/")) return trpc(req, res, pathname);
    if (pathname === "/docs" || pathname.startsWith("/docs/")) {
      if (await serveDocs(pathname, res)) return;
    }
    const prefix = REST_PREFIXES.find((p) => pathname === p || pathname.startsWith(`${p}/`));
    if (prefix) {
      if (pathname === `${prefix}/openapi.json`) {
        openApiJson ??= JSON.stringify(buildOpenApiDocument(router, options.version));
        closeIfBodyUnread(req, res);
        res.setHeader("Content-Type", "application/json");
        res.end(openApiJson);
        return;
      }
      const path = pathname.slice(prefix.length) || "/";
      if (isMessageDownload(path)) return serveMessageDownload(core, logger, req, res, path, url);
      if (path === EVENT_STREAM_PATH) return serveEventStream(core, logger, req, res, url);
      return rest(req, res, path, url);
    }
    if (!API_SEGMENTS.has(pathname.split("/")[1] ?? "") && (await webApp(req, res, pathname))) return;
    return sendJson(req, res, 404, toErrorBody({ code: "ROUTE_NOT_FOUND", message: "No such endpoint" }));
  };

  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? 300_000,
      maxHeaderSize: MAX_HEADER_BYTES,
      // How often the two timeouts above are checked.
      connectionsCheckingInterval: 2_000,
    },
    (req, res) => {
      const started = process.hrtime.bigint();
      const url = req.url ?? "/";
      res.on("finish", () => {
        logger.info(
          {
            method: req.method,
            path: redactUrl(url),
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          "http request",
        );
      });
      handle(req, res).catch((err: unknown) => {
        logger.error({ err }, "unhandled error in http handler");
        if (!res.headersSent) sendJson(req, res, 500, toErrorBody({ code: "INTERNAL_ERROR", message: "Internal server error" }));
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Past the cap node closes new sockets at once; say so, at most once a second with the count.
  server.maxConnections = options.maxConnections ?? 5000;
  let dropped = 0;
  server.on("drop", () => {
    if (dropped++ > 0) return;
    setTimeout(() => {
      logger.warn({ dropped, limit: server.maxConnections }, "http connections refused: too many open");
      dropped = 0;
    }, 1000).unref();
  });
  return server;
}

/**
 * tRPC at /trpc, behind the same gate as REST: the key before the body, the content type, the
 * body limit of the procedures called, the JSON limits. The body is handed to tRPC parsed; a
 * failure at the gate becomes the context's error, so tRPC answers it in its own envelope.
 */
function createTrpcHandler(router: AppRouter, core: Core, logger: Logger, messageBodyLimit: number) {
  const procedures = router._def.procedures as unknown as Record<string, { _def: { meta?: Meta } } | undefined>;
  const gates = new WeakMap<IncomingMessage, { authenticated?: Authenticated; failure?: unknown }>();
  const handler = createHTTPHandler({
    router,
    basePath: "/trpc/",
    createContext: ({ req }): ContextInner => {
      const gate = gates.get(req);
      if (gate?.failure) throw gate.failure;
      return createRequestContext(core, logger, req, gate?.authenticated);
    },
    responseMeta: ({ ctx, errors }) => {
      const headers: Record<string, string> = { ...(ctx as ContextInner | undefined)?.response.headers };
      const error = errors[0];
      if (error) Object.assign(headers, classifyError(error).headers);
      return { headers };
    },
    onError: ({ error, path }) => {
      if (classifyError(error).code === "INTERNAL_ERROR") {
        logger.error({ err: error.cause ?? error, path }, "trpc call failed");
      }
    },
  });

  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    // `/trpc/a.b` or a batch `/trpc/a.b,c.d`; a name we do not know is treated as protected.
    const metas = pathname
      .slice("/trpc/".length)
      .split(",")
      .map((name) => procedures[name]?._def.meta);
    const gate: { authenticated?: Authenticated; failure?: unknown } = {};
    try {
      gate.authenticated = await authenticateFirst(
        core,
        req,
        metas.some((meta) => meta?.openapi?.protect !== false),
      );
      if (await refused(gate.authenticated)) {
        // The auth middleware answers the 401/429 (with the rate-limit headers); the body is never read.
        refuseBody(req, res);
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        checkJsonContentType(req);
        const limit = Math.max(...metas.map((meta) => bodyLimitFor(meta, messageBodyLimit)));
        setParsedBody(req, await parseJsonBody(await readBody(req, limit)));
      }
    } catch (err) {
      if (!(err instanceof MailroomError)) logger.error({ err }, "trpc request gate failed");
      gate.failure = err instanceof MailroomError ? err : new MailroomError("INTERNAL_ERROR", undefined, { cause: err });
      refuseBody(req, res);
    }
    gates.set(req, gate);
    await handler(req, res);
  };
}

/** tRPC must not read a body we refused: it gets an empty one, and the connection closes after the answer. */
function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  setParsedBody(req, {});
  closeIfBodyUnread(req, res);
}

/** tRPC's node adapter takes a body already read from `req.body` (it would re-read the stream otherwise). */
function setParsedBody(req: IncomingMessage, body: unknown): void {
  (req as IncomingMessage & { body?: unknown }).body = body === undefined ? "" : body;
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  closeIfBodyUnread(req, res);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(body));
}

export { redactUrl };
