import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { uniqueLocal } from "./support/test-domains.js";
import type { TestServer } from "./support/test-server.js";

/*
 * GET /api/v1/sent. No delivery worker takes these tenants' mail, so a remote recipient stays
 * queued; a hosted one is sent at once and an unknown address on a system domain bounces at once:
 * every overall status can be made without waiting.
 */

const PASSWORD = "securePass123";
let server: TestServer;

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

interface Sender {
  key: string;
  tenantId: string;
  /** The tenant's mailbox it sends from. */
  box: TestInbox;
}

async function newSender(): Promise<Sender> {
  const tenant = await server.createTenant("pro");
  const box = await addInbox(server, { key: tenant.api_key, tenantId: tenant.id }, uniqueLocal("snt"));
  return { key: tenant.api_key, tenantId: tenant.id, box };
}

const hosted = (s: Sender) => s.box.address;
const unknown = () => `nobody-${uniqueLocal()}@ig.do`;
const remote = () => `someone-${uniqueLocal()}@remote.example`;

async function sendApi(s: Sender, to: string[], subject: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.call("POST", "/api/v1/send", {
    key: s.key,
    body: { from: s.box.address, to, subject, text: "hi", ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.message_id;
}

async function sendSubmission(from: string, to: string[], subject: string): Promise<string> {
  const transport = createTransport({
    host: "127.0.0.1",
    port: server.app.submissionPort,
    secure: false,
    ignoreTLS: true,
    auth: { user: from, pass: PASSWORD },
  });
  try {
    const info = await transport.sendMail({ from, to, subject, text: "hi" });
    const id = /Queued as (msg_[0-9a-z]{26})/.exec(info.response)?.[1];
    expect(id, info.response).toBeDefined();
    return id!;
  } finally {
    transport.close();
  }
}

async function listSent(key: string, query = "", prefix = "/api/v1") {
  const res = await server.call("GET", `${prefix}/sent${query}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { messages: Record<string, unknown>[]; next_cursor: string | null };
}

describe("GET /sent", () => {
  it("lists API sends and submissions newest first, with each one's fields, overall status and recipient count", async () => {
    const s = await newSender();
    const first = await sendApi(s, [hosted(s)], "to myself", { cc: [remote()], tags: ["welcome"] });
    const second = await sendSubmission(s.box.address, [hosted(s)], "over submission");

    const page = await listSent(s.key);
    expect(page.next_cursor).toBeNull();
    expect(page.messages.map((m) => m.id)).toEqual([second, first]);
    expect(page.messages[0]).toMatchObject({
      subject: "over submission",
      source: "submission",
      status: "sent",
      recipients: 1,
      tags: [],
    });
    expect(page.messages[1]).toEqual({
      id: first,
      from: s.box.address,
      to: [s.box.address],
      cc: [expect.stringMatching(/@remote\.example$/)],
      subject: "to myself",
      tags: ["welcome"],
      source: "api",
      status: "queued",
      recipients: 2,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    // The same list at /v1 and over tRPC.
    expect((await listSent(s.key, "", "/v1")).messages.map((m) => m.id)).toEqual([second, first]);
    const trpc = await server.call("GET", `/trpc/sent.list?input=${encodeURIComponent(JSON.stringify({}))}`, { key: s.key });
    expect(trpc.status, JSON.stringify(trpc.body)).toBe(200);
    expect(trpc.body.result.data.messages.map((m: { id: string }) => m.id)).toEqual([second, first]);
  });

  it("sums the recipients up: sent, queued, partially_failed (even while others are pending) and failed", async () => {
    const s = await newSender();
    const ids = {
      sent: await sendApi(s, [hosted(s)], "all hosted"),
      queued: await sendApi(s, [hosted(s), remote()], "one still queued"),
      partial: await sendApi(s, [hosted(s), unknown()], "one bounced"),
      partialPending: await sendApi(s, [remote(), unknown()], "one bounced, one queued"),
      failed: await sendApi(s, [unknown(), unknown()], "all bounced"),
    };
    const statusById = new Map((await listSent(s.key)).messages.map((m) => [m.id, m.status]));
    expect(Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, statusById.get(id)]))).toEqual({
      sent: "sent",
      queued: "queued",
      partial: "partially_failed",
      partialPending: "partially_failed",
      failed: "failed",
    });

    const only = async (status: string) => (await listSent(s.key, `?status=${status}`)).messages.map((m) => m.id);
    expect(await only("sent")).toEqual([ids.sent]);
    expect(await only("queued")).toEqual([ids.queued]);
    expect(await only("partially_failed")).toEqual([ids.partialPending, ids.partial]);
    expect(await only("failed")).toEqual([ids.failed]);
  });

  it("filters by sender address, case-insensitively, also together with status", async () => {
    const s = await newSender();
    const other = await addInbox(server, { key: s.key, tenantId: s.tenantId }, uniqueLocal("snt"));
    const fromBox = await sendApi(s, [hosted(s)], "from the first box");
    const res = await server.call("POST", "/api/v1/send", {
      key: s.key,
      body: { from: other.address, to: [remote()], subject: "from the second", text: "hi" },
    });
    expect(res.status).toBe(200);
    const fromOther: string = res.body.message_id;

    expect((await listSent(s.key, `?from=${encodeURIComponent(s.box.address)}`)).messages.map((m) => m.id)).toEqual([fromBox]);
    const shouted = encodeURIComponent(` ${other.address.toUpperCase()} `);
    expect((await listSent(s.key, `?from=${shouted}`)).messages.map((m) => m.id)).toEqual([fromOther]);
    expect((await listSent(s.key, `?from=${encodeURIComponent(other.address)}&status=sent`)).messages).toEqual([]);
    expect((await listSent(s.key, `?from=nobody-${uniqueLocal()}@ig.do`)).messages).toEqual([]);
  });

  it("pages with the cursor it issues, newest first, until next_cursor is null", async () => {
    const s = await newSender();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await sendApi(s, [hosted(s)], `number ${i}`));
    const newestFirst = [...ids].reverse();

    const page1 = await listSent(s.key, "?limit=2");
    expect(page1.messages.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.next_cursor).toBe(newestFirst[1]);
    const page2 = await listSent(s.key, `?limit=2&cursor=${page1.next_cursor}`);
    expect(page2.messages.map((m) => m.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await listSent(s.key, `?limit=2&cursor=${page2.next_cursor}`);
    expect(page3).toEqual({
      messages: [expect.objectContaining({ id: newestFirst[4], subject: "number 1" })],
      next_cursor: null,
    });
    // A page exactly full is the last one when nothing follows.
    expect((await listSent(s.key, "?limit=5")).next_cursor).toBeNull();
  });

  it("never shows another tenant's sent mail, not even through its cursor or its sender address", async () => {
    const mine = await newSender();
    const theirs = await newSender();
    const myId = await sendApi(mine, [hosted(mine)], "mine");
    const theirId = await sendApi(theirs, [hosted(theirs), hosted(mine)], "theirs");

    expect((await listSent(mine.key)).messages.map((m) => m.id)).toEqual([myId]);
    expect((await listSent(theirs.key)).messages.map((m) => m.id)).toEqual([theirId]);
    // Their id as a cursor only pages through my own list.
    expect((await listSent(mine.key, `?cursor=${theirId}`)).messages.map((m) => m.id)).toEqual([myId]);
    expect((await listSent(mine.key, `?from=${encodeURIComponent(theirs.box.address)}`)).messages).toEqual([]);
  });

  it("refuses a bogus cursor, status, sender or limit with 400 VALIDATION_ERROR naming the field; the list unchanged", async () => {
    const s = await newSender();
    const before = await listSent(s.key);
    const cases: [string, string, string][] = [
      ["cursor=bogus", "cursor", "Cursor is invalid"],
      [`cursor=${s.box.accountId}`, "cursor", "Cursor is invalid"],
      ["cursor=msg_", "cursor", "Cursor is invalid"],
      ["status=delivered", "status", "Must be one of queued, sent, partially_failed, failed"],
      ["from=not-an-address", "from", "From must be an email address"],
      ["from=", "from", "From must be an email address"],
      ["limit=0", "limit", "Must be a whole number from 1 to 100"],
      ["limit=abc", "limit", "Must be a whole number from 1 to 100"],
    ];
    for (const [query, field, message] of cases) {
      const res = await server.call("GET", `/api/v1/sent?${query}`, { key: s.key });
      expect(res.status, query).toBe(400);
      expect(res.body, query).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: [field], message }],
      });
    }
    expect(await listSent(s.key)).toEqual(before);
  });

  it("wants a tenant key: 401 without one", async () => {
    const res = await server.call("GET", "/api/v1/sent");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: expect.any(String) });
  });
});
