import type { IncomingMessage, ServerResponse } from "node:http";
import { ERROR_META, MailroomError, isErrorCode } from "@mailroom/contracts";
import type { Core, Logger } from "@mailroom/core";
import { toErrorBody } from "../errors.js";
import { refuseUnsafeInput } from "../input-rules.js";
import { mailboxScope } from "../mailbox-scope.js";
import { authenticate, credentialOf, type ResponseControl } from "../trpc.js";
import { messageHtmlDocument, messageHtmlPolicy } from "./message-html.js";
import { closeIfBodyUnread } from "./request-gate.js";
import { methodNotAllowed } from "./rest-routes.js";

/*
 * The message routes that answer bytes, not JSON: the raw message (message/rfc822), an attachment,
 * and the HTML body for a sandboxed frame. tRPC only speaks JSON, so they are plain routes,
 * authenticated and rate limited by the same `authenticate` as every procedure, scoped by the same
 * mailboxScope (a mailbox token: its own messages), answering errors in the same body.
 */

const RAW = /^\/messages\/([^/]+)\/raw$/;
const HTML = /^\/messages\/([^/]+)\/html$/;
const ATTACHMENT = /^\/messages\/([^/]+)\/attachments\/([^/]+)$/;

/** True when `path` (under the REST prefix) is one of these routes. */
export function isMessageDownload(path: string): boolean {
  return RAW.test(path) || HTML.test(path) || ATTACHMENT.test(path);
}

export async function serveMessageDownload(
  core: Core,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: URL,
): Promise<void> {
  const response: ResponseControl = { headers: {} };
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(["GET"]);
    const scope = mailboxScope(core, await authenticate(core, credentialOf(req), response));
    const tenantId = scope.tenantId;

    const raw = RAW.exec(path);
    if (raw) {
      const input = { id: decodePathParameter("id", raw[1]!) };
      refuseUnsafeInput(input);
      const bytes = await core.messages.raw(tenantId, await scope.message(input.id));
      return send(res, req, response, 200, { "Content-Type": "message/rfc822" }, bytes);
    }
    const html = HTML.exec(path);
    if (html) {
      const input = {
        id: decodePathParameter("id", html[1]!),
        remote_images: url.searchParams.get("remote_images") ?? undefined,
      };
      refuseUnsafeInput(input);
      const remoteImages = parseFlag("remote_images", input.remote_images);
      const message = await core.messages.get(tenantId, await scope.message(input.id));
      const headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": messageHtmlPolicy(remoteImages),
        "Referrer-Policy": "no-referrer",
      };
      return send(res, req, response, 200, headers, Buffer.from(messageHtmlDocument(message), "utf8"));
    }
    const [, messageId, attachmentId] = ATTACHMENT.exec(path)!;
    const input = {
      id: decodePathParameter("id", messageId!),
      attachment_id: decodePathParameter("attachment_id", attachmentId!),
    };
    refuseUnsafeInput(input);
    const file = await core.messages.attachment(tenantId, await scope.message(input.id), input.attachment_id);
    const headers = {
      "Content-Type": safeContentType(file.contentType),
      "Content-Disposition": contentDisposition(file.filename),
    };
    return send(res, req, response, 200, headers, file.content);
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
  closeIfBodyUnread(req, res);
  res.statusCode = status;
  // Mail is hostile content: never let a browser sniff or run it from our origin (a route may
  // loosen the policy only as far as showing its own HTML: see message-html.ts).
  const safety = { "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox" };
  for (const [name, value] of Object.entries({ ...response.headers, ...safety, ...headers })) res.setHeader(name, value);
  res.setHeader("Content-Length", String(body.length));
  res.end(req.method === "HEAD" ? undefined : body);
}

/** `true` or `false` (absent: false); anything else is the client's mistake. */
function parseFlag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw new MailroomError("VALIDATION_ERROR", undefined, {
    details: [{ path: [name], message: `${name} must be true or false` }],
  });
}

/** `%zz` or an encoded lone surrogate in an id is the client's mistake: 400, not a URIError's 500. */
function decodePathParameter(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MailroomError("VALIDATION_ERROR", undefined, {
      details: [{ path: [name], message: "Not valid percent-encoding (RFC 3986) of UTF-8" }],
    });
  }
}

/** type/subtype, optionally with parameters, in RFC 9110 tokens (a parameter value may be quoted). */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`);

/**
 * The content type a sender gave an attachment, if it is a well-formed media type; otherwise
 * application/octet-stream. The sender is anyone on the internet: `application/x-€` or a CR/LF
 * must neither break the header (a 500) nor add one.
 */
export function safeContentType(contentType: string): string {
  const trimmed = contentType.trim();
  return MEDIA_TYPE.test(trimmed) && trimmed.length <= 255 ? trimmed : "application/octet-stream";
}

/**
 * `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf` (RFC 6266), safe for any name:
 * the quoted fallback keeps printable ASCII other than quotes, backslashes and `;`; `filename*` carries
 * the whole name percent-encoded (RFC 8187), control characters (CR, LF, NUL…) left out of both.
 */
export function contentDisposition(filename: string | null): string {
  const name = (filename ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  if (!name) return "attachment";
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\;]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
