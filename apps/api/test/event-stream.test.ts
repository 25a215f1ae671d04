import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openStream, SseClient } from "./support/events.js";
import { createEmail } from "./support/mailbox-helpers.js";
import { startServerProcess } from "./support/server-process.js";
import { uniqueLocal } from "./support/test-domains.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

const SYSTEM_DOMAINS = "ig.do";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS }, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

async function newMailbox(key: string, on: TestServer = server): Promise<{ id: string; email: string }> {
  const res = await createEmail(on, key, { email: `${uniqueLocal("sse")}@ig.do` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function deleteMailbox(key: string, id: string): Promise<void> {
  expect((await server.call("DELETE", `/api/v1/emails/${id}`, { key })).status).toBe(200);
}

describe("GET /events/stream", () => {
  it("streams new events as Server-Sent Events: id, event type, the event's JSON", async () => {
    const { api_key: key } = await server.createTenant("pro");
    const earlier = await newMailbox(key);
    const stream = await openStream(server, key);
    try {
      expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(stream.headers.get("cache-control")).toContain("no-cache");
      const mailbox = await newMailbox(key);
      const [frame] = await stream.next();
      expect(stream.retry).toBe(3000);
      // Only what happened after it opened: not the earlier mailbox.
      expect(frame!.event).toBe("mailbox.created");
      expect(frame!.data.data.mailbox_id).toBe(mailbox.id);
      expect(frame!.data.data.mailbox_id).not.toBe(earlier.id);
      const [listed] = (await allEvents(server, key)).slice(-1);
      expect(frame!.id).toBe(listed!.id);
      expect(frame!.data).toEqual(listed);
    } finally {
      await stream.close();
    }
  });

  it("resumes after Last-Event-ID with exactly the missed events, in order, then goes on live", async () => {
    const { api_key: key } = await server.createTenant("pro");
    const first = await openStream(server, key);
    await newMailbox(key);
    const [seen] = await first.next();
    await first.close();

    const missedBox = await newMailbox(key);
    await newMailbox(key);
    await deleteMailbox(key, missedBox.id);
    const missed = (await allEvents(server, key, `?cursor=${seen!.id}`)).map((e) => e.id);
    expect(missed).toHaveLength(3);

    const resumed = await openStream(server, key, "", { "last-event-id": seen!.id });
    try {
      expect((await resumed.next(3)).map((f) => f.id)).toEqual(missed);
      const live = await newMailbox(key);
      const [next] = await resumed.next();
      expect(next!.data.data.mailbox_id).toBe(live.id);
      expect(await resumed.rest()).toEqual([]);
    } finally {
      await resumed.close();
    }
    // ?last_event_id= does the same for clients that cannot set headers.
    const byQuery = await openStream(server, key, `?last_event_id=${seen!.id}`);
    try {
      expect((await byQuery.next(3)).map((f) => f.id)).toEqual(missed);
    } finally {
      await byQuery.close();
    }
  });

  it("hands over from replay to live without a gap or a repeat while events keep coming", async () => {
    const { api_key: key } = await server.createTenant("pro");
    await newMailbox(key);
    const [start] = await allEvents(server, key);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 40 && writing; i++) await newMailbox(key);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stream = await openStream(server, key, "", { "last-event-id": start!.id });
    try {
      await writer;
      writing = false;
      const expected = (await allEvents(server, key, `?cursor=${start!.id}`)).map((e) => e.id);
      expect(expected.length).toBeGreaterThan(0);
      const got = (await stream.next(expected.length, 20_000)).map((f) => f.id);
      expect(got).toEqual(expected);
      expect(await stream.rest(1500)).toEqual([]);
    } finally {
      writing = false;
      await writer;
      await stream.close();
    }
  });

  it("filters by type (repeated or comma-separated) and by mailbox_id", async () => {
    const { api_key: key } = await server.createTenant("pro");
    const watched = await newMailbox(key);
    const other = await newMailbox(key);
    const deletes = await openStream(server, key, `?type=mailbox.deleted&mailbox_id=${watched.id}`);
    const both = await openStream(server, key, "?type=mailbox.deleted,mailbox.expired");
    try {
      await newMailbox(key);
      await deleteMailbox(key, other.id);
      await deleteMailbox(key, watched.id);
      const [frame] = await deletes.next();
      expect(frame).toMatchObject({ event: "mailbox.deleted", data: { data: { mailbox_id: watched.id } } });
      expect(await deletes.rest()).toEqual([]);
      expect((await both.next(2)).map((f) => f.data.data.mailbox_id)).toEqual([other.id, watched.id]);
      expect(await both.rest(100)).toEqual([]);
    } finally {
      await deletes.close();
      await both.close();
    }
  });

  it("never shows another tenant's events", async () => {
    const a = await server.createTenant("pro");
    const b = await server.createTenant("pro");
    const stream = await openStream(server, b.api_key);
    try {
      await newMailbox(a.api_key);
      const mine = await newMailbox(b.api_key);
      const frames = [...(await stream.next()), ...(await stream.rest())];
      expect(frames.map((f) => f.data.data.mailbox_id)).toEqual([mine.id]);
    } finally {
      await stream.close();
    }
  });

  it("refuses without a key (401), with the admin key (403), bad input (400) and an unknown Last-Event-ID (400)", async () => {
    const { api_key: key } = await server.createTenant("pro");
    const url = `${server.url}/api/v1/events/stream`;
    const none = await SseClient.open(url, {});
    expect(none).toMatchObject({ status: 401, body: { success: false, code: "MISSING_API_KEY" } });
    const admin = await SseClient.open(url, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(admin).toMatchObject({ status: 403, body: { code: "TENANT_ONLY" } });
    const badType = await SseClient.open(`${url}?type=mailbox.made`, { authorization: `Bearer ${key}` });
    expect(badType).toMatchObject({
      status: 400,
      body: {
        code: "VALIDATION_ERROR",
        details: [{ path: ["type", 0], message: expect.stringMatching(/^Unknown event type "mailbox\.made"\./) }],
      },
    });
    const unknown = await SseClient.open(url, {
      authorization: `Bearer ${key}`,
      "last-event-id": "evt_01m7wz6x1yqmthr8c4k9e2b7fa",
    });
    expect(unknown).toMatchObject({ status: 400, body: { code: "EVENT_CURSOR_UNKNOWN" } });
    const post = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(url, { method: "HEAD", headers: { authorization: `Bearer ${key}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    // The key may come as ?key= too, like every route.
    const byQueryKey = await SseClient.open(`${url}?key=${key}`, {});
    expect(byQueryKey).toBeInstanceOf(SseClient);
    await (byQueryKey as SseClient).close();
  });
});

describe("limits and shutdown", () => {
  it("holds at most MAILROOM_EVENT_STREAMS_PER_TENANT streams per tenant (429), and ends streams on shutdown", async () => {
    const limited = await startTestServer(
      { MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS, MAILROOM_EVENT_STREAMS_PER_TENANT: "2" },
      { backgroundJobs: false },
    );
    let stopped = false;
    try {
      const { api_key: key } = await limited.createTenant("pro");
      const other = await limited.createTenant("pro");
      const one = await openStream(limited, key);
      const two = await openStream(limited, key);
      const three = await SseClient.open(`${limited.url}/api/v1/events/stream`, { authorization: `Bearer ${key}` });
      expect(three).toMatchObject({
        status: 429,
        body: {
          success: false,
          code: "EVENT_STREAM_LIMIT",
          error: "You have 2 event streams open on this server, the most allowed; close one first",
        },
      });
      // Another tenant's streams are its own.
      const theirs = await openStream(limited, other.api_key);
      await one.close();
      // The server notices the closed connection; then there is room again.
      let again: SseClient | undefined;
      for (let i = 0; i < 50 && !again; i++) {
        const res = await SseClient.open(`${limited.url}/api/v1/events/stream`, { authorization: `Bearer ${key}` });
        if (res instanceof SseClient) again = res;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(again).toBeInstanceOf(SseClient);

      await limited.stop();
      stopped = true;
      await Promise.all([two.done, theirs.done, again!.done]);
      expect([two.ended, theirs.ended, again!.ended]).toEqual([true, true, true]);
    } finally {
      if (!stopped) await limited.stop();
    }
  });
});

describe.skipIf(!testDatabaseUrl())("across processes on one PostgreSQL", () => {
  it("streams from one process an event written by another", async () => {
    const other = await startServerProcess({
      DATABASE_URL: testDatabaseUrl(),
      MAILROOM_ADMIN_KEY: ADMIN_KEY,
      MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-events-")),
      MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS,
      MAILROOM_DELIVERY_CONCURRENCY: "0",
    });
    try {
      const { api_key: key } = await server.createTenant("pro");
      const client = await SseClient.open(`${other.url}/api/v1/events/stream`, { authorization: `Bearer ${key}` });
      if (!(client instanceof SseClient)) throw new Error(`stream refused: ${JSON.stringify(client)}`);
      try {
        const mailbox = await newMailbox(key);
        const [frame] = await client.next();
        expect(frame).toMatchObject({ event: "mailbox.created", data: { data: { mailbox_id: mailbox.id } } });
      } finally {
        await client.close();
      }
    } finally {
      await other.stop();
    }
  }, 120_000);
});
