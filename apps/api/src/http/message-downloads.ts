import type { IncomingMessage, ServerResponse } from "node:http";
import { ERROR_META, MailroomError, isErrorCode } from "@mailroom/contracts";
import type { Core, Logger } from "@mailroom/core";
import { toErrorBody } from "../errors.js";
import { refuseUnsafeInput } from "../input-rules.js";
import { authenticate, extractApiKey, type ResponseControl } from "../trpc.js";

/*
 * The two message routes that answer bytes, not JSON: the raw message (message/rfc822) and an
 * attachment. tRPC only speaks JSON, so they are plain routes, authenticated and rate limited by
 * the same `authenticate` as every procedure, answering errors in the same body.
 */

const RAW = /^\/messages\/([^/]+)\/raw$/;
const ATTACHMENT = /^\/messages\/([^/]+)\/attachments\/([^/]+)$/;

/** True when `path` (under the REST prefix) is one of these routes. */
export function isMessageDownload(path: string): boolean {
  return RAW.test(path) || ATTACHMENT.test(path);
}

export async function serveMessageDownload(
  core: Core,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const response: ResponseControl = { headers: {} };
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new MailroomError("ROUTE_NOT_FOUND", "No such endpoint");
    }
    const principal = await authenticate(core, extractApiKey(req), response);
    if (principal.kind !== "tenant") throw new MailroomError("TENANT_ONLY");
    const tenantId = principal.tenant.id;

    const raw = RAW.exec(path);
    if (raw) {
      const input = { id: decodeURIComponent(raw[1]!) };
      refuseUnsafeInput(input);
      const bytes = await core.messages.raw(tenantId, input.id);
      return send(res, req, response, 200, { "Content-Type": "message/rfc822" }, bytes);
    }
    const [, messageId, attachmentId] = ATTACHMENT.exec(path)!;
    const input = { id: decodeURIComponent(messageId!), attachment_id: decodeURIComponent(attachmentId!) };
    refuseUnsafeInput(input);
    const file = await core.messages.attachment(tenantId, input.id, input.attachment_id);
    return send(
      res,
      req,
      response,
      200,
      { "Content-Type": file.contentType, "Content-Disposition": contentDisposition(file.filename) },
      file.content,
    );
  } catch (err) {
    const known = err instanceof MailroomError && isErrorCode(err.code) ? err : undefined;
    if (!known) logger.error({ err, path }, "message download failed");
    const error = known ?? new MailroomError("INTERNAL_ERROR");
    const body = Buffer.from(JSON.stringify(toErrorBody({ code: error.code, message: error.message, details: error.details })));
    send(res, req, response, ERROR_META[error.code].http, { "Content-Type": "application/json", ...error.headers }, body);
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  response: ResponseControl,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...response.headers, ...headers })) res.setHeader(name, value);
  res.setHeader("Content-Length", String(body.length));
  // Mail is hostile content: never let a browser sniff or run it from our origin.
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
  res.end(req.method === "HEAD" ? undefined : body);
}

/** `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf` (RFC 6266), safe for any name. */
function contentDisposition(filename: string | null): string {
  if (!filename) return "attachment";
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
