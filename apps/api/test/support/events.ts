import { expect } from "vitest";
import type { TestServer } from "./test-server.js";

/**
 * Waits until every transaction that began before this call has ended. The log is read gap-free:
 * an event becomes visible once no older transaction is still running — on the whole PostgreSQL
 * server, so another test file's open transaction can hold a just-written event back for a moment.
 */
export async function settled(server: TestServer, timeoutMs = 30_000): Promise<void> {
  const db = server.app.core.deps.db;
  const now = await db
    .selectNoFrom((eb) => eb.cast<string>(eb.fn("pg_current_xact_id"), "text").as("x"))
    .executeTakeFirstOrThrow();
  const mark = BigInt(now.x);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const horizon = await db
      .selectNoFrom((eb) => eb.cast<string>(eb.fn("pg_snapshot_xmin", [eb.fn("pg_current_snapshot")]), "text").as("m"))
      .executeTakeFirstOrThrow();
    if (BigInt(horizon.m) > mark) return;
    if (Date.now() > deadline) throw new Error("a transaction older than the test's change is still running");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ListedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/** GET /events with `query` (e.g. "?type=mailbox.created"), expecting 200. */
export async function listEvents(server: TestServer, key: string, query = ""): Promise<ListedEvent[]> {
  await settled(server);
  const res = await server.call("GET", `/api/v1/events${query}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.events;
}

/** Every event of the tenant, following next_cursor. */
export async function allEvents(server: TestServer, key: string, query = ""): Promise<ListedEvent[]> {
  await settled(server);
  const out: ListedEvent[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? "&" : "?";
    const page: { status: number; body: { events: ListedEvent[]; next_cursor: string | null } } = await server.call(
      "GET",
      `/api/v1/events${query}${cursor ? `${sep}cursor=${cursor}` : ""}`,
      { key },
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    out.push(...page.body.events);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

/** The tenant's events of `type`. */
export async function eventsOfType(server: TestServer, key: string, type: string): Promise<ListedEvent[]> {
  return allEvents(server, key, `?type=${type}&limit=100`);
}

/** The events table's filter columns of one event (not in the body: webhook filters match on them). */
export async function eventColumns(server: TestServer, id: string) {
  return server.app.core.deps.db
    .selectFrom("events")
    .select(["tenant_id", "mailbox_id", "domain_id"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

export interface StreamFrame {
  id: string;
  event: string;
  data: ListedEvent;
}

/**
 * A Server-Sent Events client over fetch: frames as they arrive. `next(n)` waits for n more frames;
 * `close()` disconnects.
 */
export class SseClient {
  readonly frames: StreamFrame[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  ended = false;
  private taken = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly controller: AbortController,
    readonly status: number,
    readonly headers: Headers,
    readonly done: Promise<void>,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<SseClient | { status: number; body: any }> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
    if (res.status !== 200) return { status: res.status, body: await res.json() };
    let client: SseClient | undefined;
    const done = (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      try {
        for (;;) {
          const { value, done: finished } = await reader.read();
          if (finished) break;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            client!.parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
          }
        }
      } catch {
        // aborted
      } finally {
        client!.ended = true;
        client!.wake();
      }
    })();
    client = new SseClient(controller, res.status, res.headers, done);
    return client;
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const name = line.slice(0, colon);
      fields[name] = (fields[name] ? `${fields[name]}\n` : "") + line.slice(colon + 1).replace(/^ /, "");
    }
    if (fields.retry) this.retry = Number(fields.retry);
    if (fields.data !== undefined) {
      this.frames.push({ id: fields.id ?? "", event: fields.event ?? "message", data: JSON.parse(fields.data) });
      this.wake();
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next `n` frames not taken yet; throws after `timeoutMs`. */
  async next(n = 1, timeoutMs = 10_000): Promise<StreamFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < this.taken + n) {
      if (this.ended) throw new Error(`stream ended after ${this.frames.length} frames`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${n} frames; have ${this.frames.length - this.taken}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const out = this.frames.slice(this.taken, this.taken + n);
    this.taken += n;
    return out;
  }

  /** Frames not taken yet, after waiting `ms` for any more. */
  async rest(ms = 500): Promise<StreamFrame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const out = this.frames.slice(this.taken);
    this.taken = this.frames.length;
    return out;
  }

  close(): Promise<void> {
    this.controller.abort();
    return this.done;
  }
}

/** Open GET /events/stream, expecting it to start. */
export async function openStream(server: TestServer, key: string, query = "", headers: Record<string, string> = {}) {
  const client = await SseClient.open(`${server.url}/api/v1/events/stream${query}`, {
    authorization: `Bearer ${key}`,
    ...headers,
  });
  if (!(client instanceof SseClient)) throw new Error(`stream refused: ${client.status} ${JSON.stringify(client.body)}`);
  return client;
}
