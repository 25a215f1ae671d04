import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import {
  addInbox,
  download,
  listInbox,
  mxTransport,
  newInbox,
  startReceivingServer,
  type TestInbox,
} from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

/** Deliver over SMTP; resolves with the new message's id (from the 250 reply). */
async function deliver(inbox: TestInbox, subject: string, extra: { from?: string; body?: string; attachment?: boolean } = {}) {
  const from = extra.from ?? "news@sender.test";
  const info = await mxTransport(server.app.smtpPort).sendMail({
    from,
    to: inbox.address,
    subject,
    text: extra.body ?? `body of ${subject}`,
    ...(extra.attachment ? { attachments: [{ filename: "a.txt", content: "attached" }] } : {}),
  });
  const id = /stored as (msg_\w+)/.exec(info.response)?.[1];
  expect(id, info.response).toBeTruthy();
  return id!;
}

describe("the inbox (hosting-style API)", () => {
  it("lists newest first with limit and cursor, unread=true and since; PATCH seen; DELETE", async () => {
    const inbox = await newInbox(server);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await deliver(inbox, `number ${i}`));

    const page1 = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=2`, { key: inbox.key });
    expect(page1.status).toBe(200);
    expect(page1.body.messages.map((m: { subject: string }) => m.subject)).toEqual(["number 5", "number 4"]);
    expect(page1.body.next_cursor).toBe(ids[3]);
    for (const m of page1.body.messages) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(["id", "from", "subject", "date", "to", "seen", "size", "has_attachments", "preview"]),
      );
    }
    const page2 = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=2&cursor=${page1.body.next_cursor}`, {
      key: inbox.key,
    });
    expect(page2.body.messages.map((m: { subject: string }) => m.subject)).toEqual(["number 3", "number 2"]);
    const page3 = await server.call("GET", `/v1/inbox/${inbox.accountId}?limit=2&cursor=${page2.body.next_cursor}`, {
      key: inbox.key,
    });
    expect(page3.body).toMatchObject({ messages: [{ subject: "number 1" }], next_cursor: null });

    const seen = await server.call("PATCH", `/api/v1/messages/${ids[1]}`, { key: inbox.key, body: { seen: true } });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: ids[1], seen: true, subject: "number 2" });
    const unread = await listInbox(server, inbox, "?unread=true");
    expect(unread.map((m) => m.id)).toEqual([ids[4], ids[3], ids[2], ids[0]]);
    expect((await server.call("GET", `/api/v1/messages/${ids[1]}`, { key: inbox.key })).body.seen).toBe(true);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await listInbox(server, inbox, `?since=${encodeURIComponent(future)}`)).toEqual([]);
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await listInbox(server, inbox, `?since=${encodeURIComponent(past)}`)).toHaveLength(5);

    expect((await server.call("DELETE", `/api/v1/messages/${ids[0]}`, { key: inbox.key })).body).toEqual({ deleted: true });
    const gone = await server.call("GET", `/api/v1/messages/${ids[0]}`, { key: inbox.key });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ success: false, error: `Message ${ids[0]} not found`, code: "MESSAGE_NOT_FOUND" });
    expect((await download(server, `/api/v1/messages/${ids[0]}/raw`, inbox.key)).status).toBe(404);
    expect(await listInbox(server, inbox)).toHaveLength(4);
  });

  it("answers 404 for another tenant's inbox, message, raw message and attachment, and changes nothing", async () => {
    const owner = await newInbox(server);
    const stranger = await newInbox(server);
    const id = await deliver(owner, "private", { attachment: true });
    const attachmentId = (await server.call("GET", `/api/v1/messages/${id}`, { key: owner.key })).body.attachments[0].id;

    const inbox = await server.call("GET", `/api/v1/inbox/${owner.accountId}`, { key: stranger.key });
    expect(inbox.status).toBe(404);
    expect(inbox.body).toEqual({ success: false, error: `Mailbox ${owner.accountId} not found`, code: "MAILBOX_NOT_FOUND" });
    const notFound = { success: false, error: `Message ${id} not found`, code: "MESSAGE_NOT_FOUND" };
    for (const [method, path, body] of [
      ["GET", `/api/v1/messages/${id}`, undefined],
      ["PATCH", `/api/v1/messages/${id}`, { seen: true }],
      ["DELETE", `/api/v1/messages/${id}`, undefined],
      ["GET", `/api/v1/emails/${owner.accountId}/messages/${id}`, undefined],
    ] as const) {
      const res = await server.call(method, path, { key: stranger.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      if (!path.startsWith("/api/v1/emails")) expect(res.body).toEqual(notFound);
    }
    for (const path of [`/api/v1/messages/${id}/raw`, `/api/v1/messages/${id}/attachments/${attachmentId}`]) {
      const res = await download(server, path, stranger.key);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.bytes.toString())).toEqual(notFound);
    }
    // Untouched: still there, still unread.
    const mine = await server.call("GET", `/api/v1/messages/${id}`, { key: owner.key });
    expect(mine.body).toMatchObject({ id, seen: false });

    const noSuchAttachment = await download(server, `/api/v1/messages/${id}/attachments/att_nope`, owner.key);
    expect(noSuchAttachment.status).toBe(404);
    expect(JSON.parse(noSuchAttachment.bytes.toString())).toEqual({
      success: false,
      error: "Attachment att_nope not found",
      code: "ATTACHMENT_NOT_FOUND",
    });
  });

  it("checks input and keys on every route: 400 with the field, 401 without a key, 403 for the admin key", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "checked");
    const bad = await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { seen: "yes" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, code: "VALIDATION_ERROR", error: "Invalid request data" });
    expect(bad.body.details).toEqual([{ path: ["seen"], message: "Must be true or false" }]);
    // A string is not a boolean, whatever it says.
    const text = await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { seen: "false" } });
    expect(text.status).toBe(400);
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).body.seen).toBe(false);

    const limit = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=500`, { key: inbox.key });
    expect(limit.status).toBe(400);
    expect(limit.body.details[0].path).toEqual(["limit"]);
    const unread = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?unread=yes`, { key: inbox.key });
    expect(unread.body.details).toEqual([{ path: ["unread"], message: 'Must be "true" or "false"' }]);
    const timeout = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=0`, { key: inbox.key });
    expect(timeout.status).toBe(400);
    expect(timeout.body.details).toEqual([{ path: ["timeout"], message: "Must be a whole number of seconds from 1 to 300" }]);

    const raw = await fetch(`${server.url}/api/v1/messages/${id}/raw`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ success: false, code: "MISSING_API_KEY" });
    const admin = await download(server, `/api/v1/messages/${id}/raw`, "mr_admin_test_0123456789abcdefghijklmnop");
    expect(admin.status).toBe(403);
    expect(JSON.parse(admin.bytes.toString())).toMatchObject({ code: "TENANT_ONLY" });
    // ?key= works for downloads as for every route, and the rate-limit headers come along.
    const byQuery = await fetch(`${server.url}/api/v1/messages/${id}/raw?key=${inbox.key}`);
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get("x-ratelimit-limit")).toBe("1000");
  });

  it("refuses a bogus cursor, NUL in wait filters and in download ids: 400 naming the field, nothing changed", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "kept");
    const error = (path: string, message: string) => ({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: [path], message }],
    });
    for (const cursor of ["bogus", inbox.accountId, "msg_"]) {
      const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?cursor=${cursor}`, { key: inbox.key });
      expect(res.status, cursor).toBe(400);
      expect(res.body, cursor).toEqual(error("cursor", "Cursor is invalid"));
    }
    for (const [query, field] of [
      ["subject=a%00", "subject"],
      ["from=%00x", "from"],
      ["timeout=1&since=2026-01-01T00:00:00Z%00", "since"],
    ] as const) {
      const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?${query}`, { key: inbox.key });
      expect(res.status, query).toBe(400);
      expect(res.body, query).toEqual(error(field, "Must not contain the NUL character"));
    }
    const yearZero = encodeURIComponent("0000-01-01T00:00:00Z");
    for (const path of [
      `/api/v1/inbox/${inbox.accountId}?since=${yearZero}`,
      `/api/v1/inbox/${inbox.accountId}/wait?timeout=1&since=${yearZero}`,
    ]) {
      const res = await server.call("GET", path, { key: inbox.key });
      expect(res.status, path).toBe(400);
      expect(res.body, path).toEqual(error("since", "Must be an ISO-8601 date-time in the years 1970 to 2999"));
    }
    const timeout = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=abc`, { key: inbox.key });
    expect(timeout.body).toEqual(error("timeout", "Must be a whole number of seconds from 1 to 300"));

    const raw = await download(server, `/api/v1/messages/${id}%00/raw`, inbox.key);
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.bytes.toString())).toEqual(error("id", "Must not contain the NUL character"));
    const attachment = await download(server, `/api/v1/messages/${id}/attachments/att_%00`, inbox.key);
    expect(attachment.status).toBe(400);
    expect(JSON.parse(attachment.bytes.toString())).toEqual(error("attachment_id", "Must not contain the NUL character"));
    expect((await listInbox(server, inbox)).map((m) => m.id)).toEqual([id]);
  });

  it("deleting an account deletes its mail", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "goes with the mailbox");
    expect((await server.call("DELETE", `/api/v1/accounts/${inbox.accountId}`, { key: inbox.key })).status).toBe(200);
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).status).toBe(404);
    expect((await download(server, `/api/v1/messages/${id}/raw`, inbox.key)).status).toBe(404);
    // The shared content no copy refers to any more is purged by the maintenance job.
    await expect(server.app.core.maintenance.purgeUnreferencedMessageContents()).resolves.toBeGreaterThanOrEqual(0);
  });
});

describe("the OpenAPI document", () => {
  it("lists the inbox and message routes, the byte downloads (by hand) and the wait's 408", async () => {
    const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/inbox/{account_id}",
        "/inbox/{account_id}/wait",
        "/messages/{id}",
        "/messages/{id}/raw",
        "/messages/{id}/attachments/{attachment_id}",
        "/emails/{id}/messages",
        "/emails/{id}/messages/{message_id}",
      ]),
    );
    expect(Object.keys(doc.paths["/messages/{id}/raw"].get.responses["200"].content)).toEqual(["message/rfc822"]);
    expect(doc.paths["/inbox/{account_id}/wait"].get.responses["408"].description).toContain("WAIT_TIMEOUT");
    expect(Object.keys(doc.paths["/messages/{id}"])).toEqual(expect.arrayContaining(["get", "patch", "delete"]));
  });
});

describe("messages in the temp-mail-style API's dialect", () => {
  it("lists and shows an address's messages in the {success, data} envelope, camelCase", async () => {
    const inbox = await newInbox(server);
    const other = await addInbox(server, inbox);
    await deliver(inbox, "first");
    const id = await deliver(inbox, "second", { attachment: true });

    const list = await server.call("GET", `/api/v1/emails/${inbox.accountId}/messages?pageSize=1`, { key: inbox.key });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      success: true,
      data: { total: 2, page: 1, pageSize: 1, totalPages: 2, messages: [{ id, subject: "second", hasAttachments: true }] },
    });
    const one = await server.call("GET", `/api/v1/emails/${inbox.accountId}/messages/${id}`, { key: inbox.key });
    expect(one.status).toBe(200);
    expect(one.body.success).toBe(true);
    expect(one.body.data).toMatchObject({
      id,
      emailId: inbox.accountId,
      subject: "second",
      text: "body of second",
      attachments: [{ filename: "a.txt", contentType: "text/plain", size: 8 }],
    });
    expect(one.body.data.authResults.spf.result).toEqual(expect.any(String));
    // The message is not in the other address of the same tenant.
    const wrong = await server.call("GET", `/api/v1/emails/${other.accountId}/messages/${id}`, { key: inbox.key });
    expect(wrong.status).toBe(404);
    expect(wrong.body).toEqual({ success: false, error: `Message ${id} not found`, code: "MESSAGE_NOT_FOUND" });
  });
});

describe("waiting for mail", () => {
  it("answers with the matching message stored while it waits, passing over one that does not match", async () => {
    const inbox = await newInbox(server);
    const subscribed = server.app.core.messages.whenWaiting(inbox.accountId);
    const waiting = server.call(
      "GET",
      `/api/v1/inbox/${inbox.accountId}/wait?timeout=120&subject=${encodeURIComponent("Confirm your")}`,
      { key: inbox.key },
    );
    // Once the wait is subscribed (LISTEN in place), send something that does not match, then the one that does.
    await subscribed;
    const unrelated = await deliver(inbox, "Unrelated newsletter");
    const id = await deliver(inbox, "Please confirm your address", { from: "signup@service.test" });
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, subject: "Please confirm your address", from: "signup@service.test" });
    expect(res.body.id).not.toBe(unrelated);
    expect(res.body.text.trim()).toBe("body of Please confirm your address");
  });

  it("filters by sender, and with since also finds a message that came before the wait", async () => {
    const inbox = await newInbox(server);
    const before = new Date(Date.now() - 1000).toISOString();
    const id = await deliver(inbox, "Your code", { from: "codes@bank.test" });
    const found = await server.call(
      "GET",
      `/api/v1/inbox/${inbox.accountId}/wait?timeout=5&from=BANK.test&since=${encodeURIComponent(before)}`,
      { key: inbox.key },
    );
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(id);
  });

  it("answers 408 when nothing matching arrives in time, and 404 for another tenant's inbox", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, "already here");
    const started = performance.now();
    const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=1`, { key: inbox.key });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.status).toBe(408);
    expect(res.body).toEqual({
      success: false,
      error: "No matching message arrived within 1 second",
      code: "WAIT_TIMEOUT",
    });
    const stranger = await newInbox(server);
    const other = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=1`, { key: stranger.key });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe("MAILBOX_NOT_FOUND");
  });
});
