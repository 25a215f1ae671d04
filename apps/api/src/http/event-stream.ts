import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { eventTypesOf, type MailroomEvent, zEventStreamQuery } from "@mailroom/contracts";
import type { Core, Logger } from "@mailroom/core";
import { getTRPCErrorFromUnknown, TRPCError } from "@trpc/server";
import { classifyError, toErrorBody } from "../errors.js";
import { refuseUnsafeInput } from "../input-rules.js";
import { mailboxScope } from "../mailbox-scope.js";
import { authenticate, credentialOf, type ResponseControl } from "../trpc.js";
import { closeIfBodyUnread } from "./request-gate.js";
import { methodNotAllowed } from "./rest-routes.js";

/*
 * GET /events/stream: the tenant's events (a mailbox token: its mailbox's) as Server-Sent Events. Not a procedure (tRPC answers
 * one JSON body); authenticated and rate limited by the same `authenticate` as every route, its
 * refusals in the same error body, before the stream starts.
 */

export const EVENT_STREAM_PATH = "/events/stream";
/** A comment line this often keeps proxies from closing an idle stream, and finds dead clients. */
export const HEARTBEAT_MS = 15_000;
/** The reconnection delay the stream suggests to EventSource clients. */
const RETRY_MS = 3_000;

export async function serveEventStream(
  core: Core,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const response: ResponseControl = { headers: {} };
  let stream: Awaited<ReturnType<Core["events"]["stream"]>>;
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(["GET"]);
    const scope = mailboxScope(core, await authenticate(core, credentialOf(req), response));
    const query = parseQuery(url);
    const lastEventId = headerValue(req, "last-event-id") ?? query.last_event_id;
    // A mailbox token's stream is of its own mailbox's events only.
    stream = await core.events.stream(scope.tenantId, {
      types: eventTypesOf(query.type),
      mailboxId: query.mailbox_id === undefined ? scope.mailboxId : scope.mailbox(query.mailbox_id),
      lastEventId: lastEventId || undefined,
    });
  } catch (err) {
    const classified = classifyError(getTRPCErrorFromUnknown(err));
    if (classified.code === "INTERNAL_ERROR") logger.error({ err, path: url.pathname }, "event stream refused");
    closeIfBodyUnread(req, res);
    res.statusCode = classified.httpStatus;
    for (const [name, value] of Object.entries({ ...response.headers, ...classified.headers })) res.setHeader(name, value);
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(toErrorBody(classified)));
    return;
  }

  closeIfBodyUnread(req, res);
  res.writeHead(200, {
    ...response.headers,
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
  });
  if (req.method === "HEAD") {
    stream.close();
    res.end();
    return;
  }
  res.flushHeaders();
  const closed = once(res, "close").then(() => stream.close());
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(": heartbeat\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await write(res, `retry: ${RETRY_MS}\n\n`, closed);
    for await (const page of stream.pages) {
      if (!(await write(res, page.map(frame).join(""), closed))) break;
    }
  } catch (err) {
    logger.warn({ err }, "event stream failed");
  } finally {
    clearInterval(heartbeat);
    stream.close();
    if (stream.dropped()) logger.info("event stream dropped: the client fell too far behind");
    if (!res.writableEnded) res.end();
  }
}

/** One event as a Server-Sent Events frame: its id for Last-Event-ID, its type, its JSON body. */
function frame(event: MailroomEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Writes, waiting out backpressure; false once the client is gone. */
async function write(res: ServerResponse, chunk: string, closed: Promise<void>): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(chunk)) return true;
  const drained = await Promise.race([once(res, "drain").then(() => true), closed.then(() => false)]);
  return drained && !res.destroyed;
}

function parseQuery(url: URL) {
  const raw: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    raw[key] = key === "type" ? values : values[0]!;
  }
  refuseUnsafeInput(raw);
  const parsed = zEventStreamQuery.safeParse(raw);
  if (!parsed.success) throw new TRPCError({ code: "BAD_REQUEST", cause: parsed.error });
  return parsed.data;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
