import type { IncomingMessage, ServerResponse } from "node:http";
import { MailroomError } from "@mailroom/contracts";
import type { Core, Principal } from "@mailroom/core";
import { authenticate, credentialOf, type Meta, type ResponseControl } from "../trpc.js";
import { DEFAULT_BODY_LIMIT } from "./json-body.js";

/*
 * What every JSON surface (REST and /trpc) checks before it reads a body: the key (and a session
 * cookie's CSRF token), the content type, the size. A caller that fails any of them never makes us read (or parse) its body.
 */

/** What the HTTP layer learnt before reading a body, handed to the procedure's context. */
export interface Authenticated {
  principal: Promise<Principal>;
  response: ResponseControl;
}

/**
 * The one `authenticate` (and rate-limit count) of this request, started now. A procedure that is
 * not protected gets none. Settled before the body is read: a 401 or 429 is answered without it.
 */
export async function authenticateFirst(core: Core, req: IncomingMessage, protect: boolean): Promise<Authenticated | undefined> {
  if (!protect) return undefined;
  const response: ResponseControl = { headers: {} };
  const principal = authenticate(core, credentialOf(req), response);
  await principal.catch(() => undefined);
  return { principal, response };
}

/** True when the authentication already failed: answer that, read nothing. */
export async function refused(authenticated: Authenticated | undefined): Promise<boolean> {
  if (!authenticated) return false;
  return authenticated.principal.then(
    () => false,
    () => true,
  );
}

/** A procedure's body limit: the message limit for the send route, 1 MiB for every other. */
export function bodyLimitFor(meta: Meta | undefined, messageBodyLimit: number): number {
  return meta?.messageSizedBody ? messageBodyLimit : DEFAULT_BODY_LIMIT;
}

/**
 * A body must be `application/json`, in UTF-8 (RFC 8259 allows no other charset). A request
 * without a body needs no content type.
 */
export function checkJsonContentType(req: IncomingMessage): void {
  const type = req.headers["content-type"];
  if (!type) {
    if (hasBody(req)) throw new MailroomError("UNSUPPORTED_MEDIA_TYPE", "Missing content-type header; send application/json");
    return;
  }
  const [mediaType = "", ...parameters] = type.split(";").map((part) => part.trim());
  if (mediaType.toLowerCase() !== "application/json") throw new MailroomError("UNSUPPORTED_MEDIA_TYPE");
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=").map((part) => part.trim());
    if (name.toLowerCase() === "charset" && value.replace(/^"|"$/g, "").toLowerCase() !== "utf-8") {
      throw new MailroomError("UNSUPPORTED_MEDIA_TYPE", "Request body must be application/json in UTF-8");
    }
  }
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/**
 * An answer given before the whole body arrived closes the connection after it: the rest of the
 * body is never read (and cannot be taken for the next request).
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (hasBody(req) && !req.complete && !res.headersSent) res.setHeader("Connection", "close");
}
