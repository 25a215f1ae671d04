import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  // The UID test opens many sessions at once from loopback.
  server = await startReceivingServer(
    { MAILROOM_SMTP_MAX_SESSIONS_PER_IP: "100", MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE: "1000" },
    { backgroundJobs: false },
  );
});
afterAll(async () => {
  await server?.stop();
});

interface FolderBody {
  id: string;
  name: string;
  special_use: string | null;
  total: number;
  unseen: number;
  uid_validity: number;
  uid_next: number;
  subscribed: boolean;
}

const db = () => server.app.core.deps.db;

async function folders(inbox: TestInbox): Promise<FolderBody[]> {
  const res = await server.call("GET", `/api/v1/accounts/${inbox.accountId}/folders`, { key: inbox.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.folders;
}

const names = async (inbox: TestInbox) => (await folders(inbox)).map((f) => f.name);

async function list(inbox: TestInbox, folder?: string) {
  const query = folder === undefined ? "" : `?folder=${encodeURIComponent(folder)}`;
  const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}${query}`, { key: inbox.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.messages as { id: string; subject: string; seen: boolean; flags: string[]; sent_message_id: string | null }[];
}

async function deliver(inbox: TestInbox, subject: string): Promise<string> {
  const mx = mxTransport(server.app.smtpPort);
  const info = await mx.sendMail({ from: "someone@elsewhere.test", to: inbox.address, subject, text: `body of ${subject}` });
  mx.close();
  return /stored as (msg_\w+)/.exec(info.response)![1]!;
}

function expectError(res: { status: number; body: any }, status: number, code: string, error: string | RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, code });
  if (typeof error === "string") expect(res.body.error).toBe(error);
  else expect(res.body.error).toMatch(error);
}

describe("folders over REST", () => {
  it("every account has INBOX and the five special-use folders, with counts from one listing", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, "one");
    const id = await deliver(inbox, "two");
    await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { seen: true } });
    const all = await folders(inbox);
    expect(all.map((f) => [f.name, f.special_use])).toEqual([
      ["INBOX", null],
      ["Archive", "\\Archive"],
      ["Drafts", "\\Drafts"],
      ["Junk", "\\Junk"],
      ["Sent", "\\Sent"],
      ["Trash", "\\Trash"],
    ]);
    expect(all[0]).toMatchObject({ total: 2, unseen: 1, uid_next: 3, subscribed: true });
    expect(new Set(all.map((f) => f.uid_validity)).size).toBe(6);
  });

  it("creates, renames (with subfolders) and deletes folders", async () => {
    const inbox = await newInbox(server);
    const base = `/api/v1/accounts/${inbox.accountId}/folders`;
    const created = await server.call("POST", base, { key: inbox.key, body: { name: "Work/Projects" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: "Work/Projects", special_use: null, total: 0, unseen: 0, uid_next: 1 });
    const work = await server.call("POST", base, { key: inbox.key, body: { name: "Work" } });
    expect(work.status).toBe(201);
    const id = await deliver(inbox, "to file");
    await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { folder: "Work/Projects" } });

    const renamed = await server.call("PATCH", `${base}/${work.body.id}`, { key: inbox.key, body: { name: "Jobs" } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ id: work.body.id, name: "Jobs", uid_validity: work.body.uid_validity });
    expect(await names(inbox)).toEqual(expect.arrayContaining(["Jobs", "Jobs/Projects"]));
    expect(await names(inbox)).not.toContain("Work/Projects");
    // The child kept its id, UIDVALIDITY and message.
    const child = (await folders(inbox)).find((f) => f.name === "Jobs/Projects")!;
    expect(child).toMatchObject({ id: created.body.id, uid_validity: created.body.uid_validity, total: 1 });
    expect((await list(inbox, "Jobs/Projects")).map((m) => m.id)).toEqual([id]);

    const deleted = await server.call("DELETE", `${base}/${work.body.id}`, { key: inbox.key });
    expect(deleted.body).toEqual({ deleted: true });
    // Its subfolder stays (parents need not exist).
    expect(await names(inbox)).toContain("Jobs/Projects");
    expect(await names(inbox)).not.toContain("Jobs");
    const gone = await server.call("DELETE", `${base}/${child.id}`, { key: inbox.key });
    expect(gone.status).toBe(200);
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).status).toBe(404);
  });

  it("renaming INBOX moves its messages into the new folder and leaves INBOX empty", async () => {
    const inbox = await newInbox(server);
    const first = await deliver(inbox, "first");
    const second = await deliver(inbox, "second");
    const [inboxFolder] = await folders(inbox);
    const res = await server.call("PATCH", `/api/v1/accounts/${inbox.accountId}/folders/${inboxFolder!.id}`, {
      key: inbox.key,
      body: { name: "Old Inbox" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ name: "Old Inbox", total: 2, uid_next: 3 });
    expect(res.body.id).not.toBe(inboxFolder!.id);
    expect(await list(inbox)).toEqual([]);
    expect((await list(inbox, "Old Inbox")).map((m) => m.id)).toEqual([second, first]);
    const after = await folders(inbox);
    expect(after[0]).toMatchObject({ id: inboxFolder!.id, name: "INBOX", total: 0 });
    // Mail keeps arriving in INBOX.
    const third = await deliver(inbox, "third");
    expect((await list(inbox)).map((m) => m.id)).toEqual([third]);
  });

  it("refuses bad names, duplicates, INBOX and missing folders: status, code, message, nothing changed", async () => {
    const inbox = await newInbox(server);
    const base = `/api/v1/accounts/${inbox.accountId}/folders`;
    const before = await folders(inbox);
    const cases: [unknown, number, string, string | RegExp][] = [
      [{ name: "" }, 400, "FOLDER_NAME_INVALID", 'Folder name "" is invalid: it is empty'],
      [{ name: "/a" }, 400, "FOLDER_NAME_INVALID", 'Folder name "/a" is invalid: it starts or ends with "/"'],
      [{ name: "a/" }, 400, "FOLDER_NAME_INVALID", 'Folder name "a/" is invalid: it starts or ends with "/"'],
      [{ name: "a//b" }, 400, "FOLDER_NAME_INVALID", 'Folder name "a//b" is invalid: it has an empty level (//)'],
      [{ name: "a\tb" }, 400, "FOLDER_NAME_INVALID", 'Folder name "a\\tb" is invalid: it contains a control character'],
      [{ name: "x".repeat(256) }, 400, "FOLDER_NAME_INVALID", "Folder names are at most 255 characters"],
      [{ name: "inbox" }, 409, "FOLDER_EXISTS", 'A folder named "INBOX" already exists in this mailbox'],
      [{ name: "Sent" }, 409, "FOLDER_EXISTS", 'A folder named "Sent" already exists in this mailbox'],
      [{}, 400, "VALIDATION_ERROR", "Invalid request data"],
    ];
    for (const [body, status, code, error] of cases) {
      expectError(await server.call("POST", base, { key: inbox.key, body }), status, code, error);
    }
    expect(await folders(inbox)).toEqual(before);

    const sent = before.find((f) => f.name === "Sent")!;
    const inboxFolder = before[0]!;
    const nested = await server.call("POST", base, { key: inbox.key, body: { name: "A/B" } });
    const parent = await server.call("POST", base, { key: inbox.key, body: { name: "A" } });
    const snapshot = await folders(inbox);
    expectError(
      await server.call("PATCH", `${base}/${sent.id}`, { key: inbox.key, body: { name: "Trash" } }),
      409,
      "FOLDER_EXISTS",
      'A folder named "Trash" already exists in this mailbox',
    );
    expectError(
      await server.call("PATCH", `${base}/${sent.id}`, { key: inbox.key, body: { name: "INBOX" } }),
      409,
      "FOLDER_EXISTS",
      'A folder named "INBOX" already exists in this mailbox',
    );
    expectError(
      await server.call("PATCH", `${base}/${parent.body.id}`, { key: inbox.key, body: { name: "A/B/C" } }),
      400,
      "FOLDER_NAME_INVALID",
      'Folder "A" cannot be moved into itself ("A/B/C")',
    );
    // A child would collide: "A" → "Sent" is fine for A, but there is no Sent/B… make one.
    await server.call("POST", base, { key: inbox.key, body: { name: "Z/B" } });
    const withZ = await folders(inbox);
    expectError(
      await server.call("PATCH", `${base}/${parent.body.id}`, { key: inbox.key, body: { name: "Z" } }),
      409,
      "FOLDER_EXISTS",
      'A folder named "Z/B" already exists in this mailbox',
    );
    expect(await folders(inbox)).toEqual(withZ);
    expect(snapshot.map((f) => f.name)).toContain(nested.body.name);

    expectError(
      await server.call("DELETE", `${base}/${inboxFolder.id}`, { key: inbox.key }),
      400,
      "FOLDER_NOT_DELETABLE",
      "INBOX cannot be deleted",
    );
    const missing = "fld_00000000000000000000000000";
    expectError(
      await server.call("DELETE", `${base}/${missing}`, { key: inbox.key }),
      404,
      "FOLDER_NOT_FOUND",
      `Folder ${missing} not found`,
    );
    expectError(
      await server.call("PATCH", `${base}/${missing}`, { key: inbox.key, body: { name: "x" } }),
      404,
      "FOLDER_NOT_FOUND",
      `Folder ${missing} not found`,
    );
    expectError(
      await server.call("GET", `/api/v1/inbox/${inbox.accountId}?folder=Nope`, { key: inbox.key }),
      404,
      "FOLDER_NOT_FOUND",
      'The mailbox has no folder "Nope"',
    );
    expect(await folders(inbox)).toEqual(withZ);
  });

  it("another tenant's account and folders are not found, and nothing changes", async () => {
    const owner = await newInbox(server);
    const stranger = await newInbox(server);
    const id = await deliver(owner, "private");
    const before = await folders(owner);
    const sent = before.find((f) => f.name === "Sent")!;
    const base = `/api/v1/accounts/${owner.accountId}/folders`;
    const notFound = `Mailbox ${owner.accountId} not found`;
    for (const [method, path, body] of [
      ["GET", base, undefined],
      ["POST", base, { name: "Mine" }],
      ["PATCH", `${base}/${sent.id}`, { name: "Theirs" }],
      ["DELETE", `${base}/${sent.id}`, undefined],
      ["GET", `/api/v1/inbox/${owner.accountId}?folder=Sent`, undefined],
    ] as const) {
      expectError(await server.call(method, path, { key: stranger.key, body }), 404, "MAILBOX_NOT_FOUND", notFound);
    }
    // Their own account, but the owner's folder id: not found either.
    const mine = `/api/v1/accounts/${stranger.accountId}/folders/${sent.id}`;
    expectError(await server.call("DELETE", mine, { key: stranger.key }), 404, "FOLDER_NOT_FOUND", `Folder ${sent.id} not found`);
    expectError(
      await server.call("PATCH", `/api/v1/messages/${id}`, { key: stranger.key, body: { folder: "Sent" } }),
      404,
      "MESSAGE_NOT_FOUND",
      `Message ${id} not found`,
    );
    expect(await folders(owner)).toEqual(before);
  });
});

describe("PATCH /messages/{id}: flags and folder", () => {
  it("adds and removes flags and keywords, moves by name, and answers the message", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "patch me");
    const res = await server.call("PATCH", `/api/v1/messages/${id}`, {
      key: inbox.key,
      body: { seen: true, flags: { add: ["\\Flagged", "$Important", "work"] }, folder: "Archive" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id, folder: "Archive", seen: true, flags: ["\\Seen", "\\Flagged", "$Important", "work"] });
    expect(await list(inbox)).toEqual([]);
    expect((await list(inbox, "Archive"))[0]).toMatchObject({ id, flags: ["\\Seen", "\\Flagged", "$Important", "work"] });

    const removed = await server.call("PATCH", `/api/v1/messages/${id}`, {
      key: inbox.key,
      body: { flags: { remove: ["\\Seen", "work"] }, folder: "inbox" },
    });
    expect(removed.body).toMatchObject({ folder: "INBOX", seen: false, flags: ["\\Flagged", "$Important"] });
    const row = await db().selectFrom("messages").select(["uid", "modseq"]).where("id", "=", id).executeTakeFirstOrThrow();
    // Back in INBOX with a new UID (the first was 1).
    expect(Number(row.uid)).toBe(2);
  });

  it("refuses bad flags, unknown folders and empty patches: status, code, message, nothing changed", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "keep me");
    const before = (await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).body;
    const cases: [unknown, number, string, string][] = [
      [{ flags: { add: ["\\Recent"] } }, 400, "FLAG_INVALID", "\\Recent is set by the server and cannot be stored"],
      [
        { flags: { add: ["\\Bogus"] } },
        400,
        "FLAG_INVALID",
        'Unknown system flag "\\\\Bogus": use \\Seen, \\Answered, \\Flagged, \\Deleted or \\Draft',
      ],
      [
        { flags: { add: ["two words"] } },
        400,
        "FLAG_INVALID",
        'Keyword "two words" is not an IMAP atom: printable ASCII without spaces or any of ( ) { % * " \\ ]',
      ],
      [{ flags: { add: ["k".repeat(65)] } }, 400, "FLAG_INVALID", `Keyword "${"k".repeat(20)}"… is longer than 64 characters`],
      [
        { flags: { add: Array.from({ length: 51 }, (_, i) => `k${i}`) } },
        400,
        "FLAG_INVALID",
        "A message holds at most 50 keywords",
      ],
      [{ seen: true, flags: { remove: ["\\seen"] } }, 400, "FLAG_INVALID", "\\Seen is both added and removed"],
      [{ folder: "Nowhere", seen: true }, 404, "FOLDER_NOT_FOUND", 'The mailbox has no folder "Nowhere"'],
      [{}, 400, "VALIDATION_ERROR", "Invalid request data"],
    ];
    for (const [body, status, code, error] of cases) {
      expectError(await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body }), status, code, error);
    }
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).body).toEqual(before);
    // 50 keywords are fine, and the 51st one added later is refused too.
    const fifty = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const ok = await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { flags: { add: fifty } } });
    expect(ok.body.flags).toHaveLength(50);
    expectError(
      await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { flags: { add: ["one-more"] } } }),
      400,
      "FLAG_INVALID",
      "A message holds at most 50 keywords",
    );
  });

  it("setting seen and deleting raise the folder's modseq", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, "counted");
    const modseq = async () =>
      Number(
        (
          await db()
            .selectFrom("folders")
            .select("highest_modseq")
            .where("name", "=", "INBOX")
            .where("mailbox_id", "=", inbox.accountId)
            .executeTakeFirstOrThrow()
        ).highest_modseq,
      );
    const start = await modseq();
    await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { seen: true } });
    expect(await modseq()).toBe(start + 1);
    const row = await db().selectFrom("messages").select("modseq").where("id", "=", id).executeTakeFirstOrThrow();
    expect(Number(row.modseq)).toBe(start + 1);
    // Unchanged flags change nothing.
    await server.call("PATCH", `/api/v1/messages/${id}`, { key: inbox.key, body: { seen: true } });
    expect(await modseq()).toBe(start + 1);
    await server.call("DELETE", `/api/v1/messages/${id}`, { key: inbox.key });
    expect(await modseq()).toBe(start + 2);
  });
});

describe("the Sent copy", () => {
  async function sentEvents(tenantId: string) {
    return db().selectFrom("events").select(["type", "mailbox_id"]).where("tenant_id", "=", tenantId).execute();
  }

  it("POST /send puts the bytes as sent into the sender's Sent folder: seen, linked, not in INBOX, no message.received", async () => {
    const sender = await newInbox(server);
    const colleague = await addInbox(server, sender);
    const res = await server.call("POST", "/api/v1/send", {
      key: sender.key,
      body: { from: sender.address, to: colleague.address, bcc: "hidden@elsewhere.test", subject: "Filed", text: "hello" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sentId = res.body.message_id as string;

    expect(await list(sender)).toEqual([]);
    const [copy] = await list(sender, "Sent");
    expect(copy).toMatchObject({ subject: "Filed", seen: true, flags: ["\\Seen"], sent_message_id: sentId });
    const detail = (await server.call("GET", `/api/v1/messages/${copy!.id}`, { key: sender.key })).body;
    expect(detail).toMatchObject({ folder: "Sent", account_id: sender.accountId });
    const raw = await fetch(`${server.url}/api/v1/messages/${copy!.id}/raw`, {
      headers: { authorization: `Bearer ${sender.key}` },
    });
    const bytes = await raw.text();
    expect(bytes).toMatch(/^DKIM-Signature: /);
    expect(bytes).not.toMatch(/^Bcc:/im);
    expect(bytes).not.toContain("hidden@elsewhere.test");
    expect(bytes).not.toMatch(/^Received:/m);

    // The colleague's copy is received mail (one message.received, for the colleague alone).
    const received = (await sentEvents(sender.tenantId)).filter((e) => e.type === "message.received");
    expect(received.map((e) => e.mailbox_id)).toEqual([colleague.accountId]);
    const counts = (await folders(sender)).find((f) => f.name === "Sent")!;
    expect(counts).toMatchObject({ total: 1, unseen: 0, uid_next: 2 });
  });

  it("SMTP submission files its copy in Sent too; a deleted Sent folder is made again", async () => {
    const sender = await newInbox(server);
    const sent = (await folders(sender)).find((f) => f.name === "Sent")!;
    await server.call("DELETE", `/api/v1/accounts/${sender.accountId}/folders/${sent.id}`, { key: sender.key });
    const transport = createTransport({
      host: "127.0.0.1",
      port: server.app.submissionPort,
      secure: false,
      ignoreTLS: true,
      auth: { user: sender.address, pass: "securePass123" },
    });
    const info = await transport.sendMail({ from: sender.address, to: sender.address, subject: "To myself", text: "hi" });
    transport.close();
    const sentId = /Queued as (msg_[0-9a-z]{26})/.exec(info.response)![1]!;

    const again = (await folders(sender)).find((f) => f.name === "Sent")!;
    expect(again).toMatchObject({ special_use: "\\Sent", total: 1, unseen: 0 });
    expect(again.id).not.toBe(sent.id);
    const [copy] = await list(sender, "Sent");
    expect(copy).toMatchObject({ subject: "To myself", seen: true, sent_message_id: sentId });
    // Sent to itself: one received copy in INBOX, unseen, the only message.received.
    const [inInbox] = await list(sender);
    expect(inInbox).toMatchObject({ subject: "To myself", seen: false, sent_message_id: sentId });
    expect(inInbox!.id).not.toBe(copy!.id);
    const received = (await sentEvents(sender.tenantId)).filter((e) => e.type === "message.received");
    expect(received).toHaveLength(1);
  });

  it("a Sent copy does not end a wait on the sender's inbox", async () => {
    const sender = await newInbox(server);
    const other = await newInbox(server);
    const subscribed = server.app.core.messages.whenWaiting(sender.accountId);
    const wait = server.call("GET", `/api/v1/inbox/${sender.accountId}/wait?timeout=2&subject=Outgoing`, { key: sender.key });
    await subscribed;
    const res = await server.call("POST", "/api/v1/send", {
      key: sender.key,
      body: { from: sender.address, to: other.address, subject: "Outgoing", text: "x" },
    });
    expect(res.status).toBe(200);
    const waited = await wait;
    expect(waited.status).toBe(408);
    expect((await list(sender, "Sent")).map((m) => m.subject)).toEqual(["Outgoing"]);
    // The temp-mail-style list shows INBOX only.
    const page = await server.call("GET", `/api/v1/emails/${sender.accountId}/messages`, { key: sender.key });
    expect(page.body.data).toMatchObject({ messages: [], total: 0 });
  });
});

describe("UIDs", () => {
  it("ascend in a folder over concurrent SMTP deliveries: 1..n, no duplicates, no gaps", async () => {
    const inbox = await newInbox(server);
    const n = 40;
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const mx = mxTransport(server.app.smtpPort);
        await mx.sendMail({ from: "burst@elsewhere.test", to: inbox.address, subject: `burst ${i}`, text: "x" });
        mx.close();
      }),
    );
    const rows = await db()
      .selectFrom("messages")
      .select(["uid", "modseq"])
      .where("mailbox_id", "=", inbox.accountId)
      .orderBy("uid")
      .execute();
    expect(rows.map((r) => Number(r.uid))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect((await folders(inbox))[0]).toMatchObject({ total: n, uid_next: n + 1 });
  });
});
