import { CliError } from "./cli-error.js";
import { MISSING_KEY_HELP, unreachable } from "./client.js";

/** One event as the stream sends it: `{id, type, timestamp, data}`. */
export interface StreamedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface StreamRequest {
  url: string;
  apiKey: string | undefined;
  types: string[];
  mailboxId: string | undefined;
}

/** The reconnection delay when the server suggests none. */
const DEFAULT_RETRY_MS = 3000;

/**
 * GET /events/stream until `signal` aborts: each event to `onEvent`. When the stream ends (the
 * server restarted, or dropped a client that fell behind) it reconnects after the server's
 * `retry:` delay with Last-Event-ID, so nothing is missed or repeated. A refusal (a bad flag, the
 * key, the stream limit) ends it with the server's words.
 */
export async function followEvents(
  request: StreamRequest,
  onEvent: (event: StreamedEvent) => void,
  onReconnect: (reason: string) => void,
): Promise<never> {
  let lastEventId: string | undefined;
  let retryMs = DEFAULT_RETRY_MS;
  let connectedOnce = false;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(streamUrl(request), { headers: headers(request.apiKey, lastEventId) });
    } catch (err) {
      const reason = unreachable(err, request.url) ?? (err instanceof Error ? err.message : String(err));
      if (!connectedOnce) throw new CliError(reason);
      onReconnect(reason);
      await sleep(retryMs);
      continue;
    }
    if (!res.ok) throw new CliError(await refusal(res));
    connectedOnce = true;
    try {
      for await (const frame of frames(res.body!)) {
        if (frame.retry !== undefined) retryMs = frame.retry;
        if (frame.data === undefined) continue;
        if (frame.id) lastEventId = frame.id;
        onEvent(JSON.parse(frame.data) as StreamedEvent);
      }
      onReconnect("the server ended the stream");
    } catch (err) {
      onReconnect(err instanceof Error ? err.message : String(err));
    }
    await sleep(retryMs);
  }
}

function streamUrl(request: StreamRequest): string {
  const query = new URLSearchParams();
  if (request.types.length > 0) query.set("type", request.types.join(","));
  if (request.mailboxId) query.set("mailbox_id", request.mailboxId);
  const qs = query.toString();
  return `${request.url.replace(/\/+$/, "")}/api/v1/events/stream${qs ? `?${qs}` : ""}`;
}

function headers(apiKey: string | undefined, lastEventId: string | undefined): Record<string, string> {
  return {
    accept: "text/event-stream",
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    ...(lastEventId ? { "last-event-id": lastEventId } : {}),
  };
}

/** The server's error body as one line, with its code and any field details. */
async function refusal(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: string; code?: string; details?: { path: unknown[]; message: string }[] };
    if (body.code === "MISSING_API_KEY") return `${MISSING_KEY_HELP} (MISSING_API_KEY)`;
    const details = (body.details ?? []).map((d) => `\n  ${d.path.join(".") || "(input)"}: ${d.message}`).join("");
    return `${body.error ?? `HTTP ${res.status}`} (${body.code})${details}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

interface Frame {
  id?: string;
  data?: string;
  retry?: number;
}

/** The Server-Sent Events frames of a body (comments skipped), as the WHATWG parser reads them. */
export async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  let buffer = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk.replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (frame) yield frame;
      end = buffer.indexOf("\n\n");
    }
  }
}

function parseFrame(block: string): Frame | undefined {
  const frame: Frame = {};
  let any = false;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    any = true;
    if (field === "id") frame.id = value;
    else if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === "retry" && /^\d+$/.test(value)) frame.retry = Number(value);
  }
  return any ? frame : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
