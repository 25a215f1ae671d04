import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Core, DatabaseHandle, Logger } from "@mailroom/core";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { classifyError, toErrorBody } from "../errors.js";
import type { AppRouter } from "../root.js";
import { makeCreateContext, type ContextInner } from "../trpc.js";
import { serveDocs } from "./docs-page.js";
import { isMessageDownload, serveMessageDownload } from "./message-downloads.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import { createRestHandler } from "./rest-handler.js";

export interface HttpServerOptions {
  router: AppRouter;
  core: Core;
  database: DatabaseHandle;
  logger: Logger;
  version: string;
  maxBodySize?: number;
}

const REST_PREFIXES = ["/api/v1", "/v1"] as const;

export function createHttpServer(options: HttpServerOptions): Server {
  const { router, core, database, logger } = options;
  const rest = createRestHandler(router, core, logger, options.maxBodySize ?? 1024 * 1024);
  const trpc = createHTTPHandler({
    router,
    basePath: "/trpc/",
    createContext: makeCreateContext(core, logger),
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
  let openApiJson: string | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;

    if (pathname === "/healthz") {
      const ok = await database.ping(1500);
      return sendJson(res, ok ? 200 : 503, { status: ok ? "ok" : "unavailable" });
    }
    if (pathname.startsWith("/trpc/")) return trpc(req, res);
    if (pathname === "/docs" || pathname.startsWith("/docs/")) {
      if (await serveDocs(pathname, res)) return;
    }
    const prefix = REST_PREFIXES.find((p) => pathname === p || pathname.startsWith(`${p}/`));
    if (prefix) {
      if (pathname === `${prefix}/openapi.json`) {
        openApiJson ??= JSON.stringify(buildOpenApiDocument(router, options.version));
        res.setHeader("Content-Type", "application/json");
        res.end(openApiJson);
        return;
      }
      const path = pathname.slice(prefix.length);
      if (isMessageDownload(path)) return serveMessageDownload(core, logger, req, res, path);
      return rest(req, res, prefix.length);
    }
    return sendJson(res, 404, toErrorBody({ code: "ROUTE_NOT_FOUND", message: "No such endpoint" }));
  };

  return createServer((req, res) => {
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
      if (!res.headersSent) sendJson(res, 500, toErrorBody({ code: "INTERNAL_ERROR", message: "Internal server error" }));
      else res.destroy();
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(body));
}

/** An API key may arrive as ?key=…; it never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, "$1[redacted]");
}
