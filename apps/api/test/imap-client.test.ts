import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, imapClient, present } from "./support/imap-helpers.js";
import { download, mxTransport, newInbox, startReceivingServer, composeMessage, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
let inbox: TestInbox;
let client: ImapFlow;
const delivered: { id: string; sent: Buffer }[] = [];

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
  inbox = await newInbox(server);
  delivered.push(await deliver(server, inbox, { subject: "First hello", text: "plain body one\r\n" }));
  delivered.push(
    await deliver(server, inbox, {
      subject: "Invoice 42",
      from: "Bob Biller <bob@billing.test>",
      text: "Please pay the invoice\r\n",
      html: "<p>Please pay the <b>invoice</b></p>",
      attachments: [{ filename: "invoice.txt", content: "amount: 42\n".repeat(50) }],
    }),
  );
  delivered.push(await deliver(server, inbox, { subject: "Third one", text: "x".repeat(5000) }));
  client = await imapClient(server, inbox);
});
afterAll(async () => {
  await client?.logout().catch(() => undefined);
  await server?.stop();
});

describe("IMAP with imapflow", () => {
  it("logs in and lists the standard folders with their special use and children", async () => {
    const list = await client.list();
    const byPath = new Map(list.map((folder) => [folder.path, folder]));
    expect([...byPath.keys()].sort()).toEqual(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    expect(byPath.get("Sent")!.specialUse).toBe("\\Sent");
    expect(byPath.get("Trash")!.specialUse).toBe("\\Trash");
    expect(byPath.get("Drafts")!.specialUse).toBe("\\Drafts");
    expect(byPath.get("Junk")!.specialUse).toBe("\\Junk");
    expect(byPath.get("Archive")!.specialUse).toBe("\\Archive");
    expect(byPath.get("INBOX")!.flags.has("\\HasNoChildren")).toBe(true);
    expect(byPath.get("Sent")!.delimiter).toBe("/");
  });

  it("advertises the extensions it implements", async () => {
    const caps = [...client.capabilities.keys()];
    for (const cap of [
      "IMAP4REV1",
      "IDLE",
      "UIDPLUS",
      "MOVE",
      "SPECIAL-USE",
      "NAMESPACE",
      "ID",
      "ENABLE",
      "LITERAL+",
      "UNSELECT",
      "CHILDREN",
    ]) {
      expect(caps.map((c) => c.toUpperCase())).toContain(cap);
    }
  });

  it("SELECT and EXAMINE report the folder: EXISTS, UIDVALIDITY, UIDNEXT, read-write or read-only", async () => {
    const examined = await client.mailboxOpen("INBOX", { readOnly: true });
    expect(examined.exists).toBe(3);
    expect(examined.readOnly).toBe(true);
    expect(Number(examined.uidValidity)).toBeGreaterThan(0);
    expect(examined.uidNext).toBe(4);
    const selected = await client.mailboxOpen("INBOX");
    expect(selected.readOnly).toBe(false);
    expect(selected.exists).toBe(3);
    const trash = await client.mailboxOpen("Trash");
    expect(trash.exists).toBe(0);
    await client.mailboxOpen("INBOX");
  });

  it("FETCH answers envelope, body structure, size, internal date and UIDs", async () => {
    const messages = [];
    for await (const m of client.fetch("1:*", {
      envelope: true,
      bodyStructure: true,
      size: true,
      internalDate: true,
      uid: true,
      flags: true,
    })) {
      messages.push(m);
    }
    expect(messages.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(messages[0]!.envelope!.subject).toBe("First hello");
    expect(messages[1]!.envelope!.from![0]).toMatchObject({ name: "Bob Biller", address: "bob@billing.test" });
    expect(messages[1]!.envelope!.to![0]!.address).toBe(inbox.address);
    expect(messages[1]!.bodyStructure!.type).toBe("multipart/mixed");
    const parts = messages[1]!.bodyStructure!.childNodes!;
    expect(parts.map((p) => p.type)).toEqual(["multipart/alternative", "text/plain"]);
    expect(parts[1]!.dispositionParameters?.filename).toBe("invoice.txt");
    expect(messages[0]!.internalDate).toBeInstanceOf(Date);
    expect([...messages[0]!.flags!]).toEqual([]);
    // RFC822.SIZE is the size of the stored bytes, which the REST raw download returns.
    const raw = await download(server, `/api/v1/messages/${delivered[0]!.id}/raw`, inbox.key);
    expect(messages[0]!.size).toBe(raw.bytes.length);
  });

  it("BODY.PEEK[] is byte-for-byte the stored message, and leaves it unseen", async () => {
    for (const [index, message] of delivered.entries()) {
      const stored = await download(server, `/api/v1/messages/${message.id}/raw`, inbox.key);
      const fetched = await client.fetchOne(String(index + 1), { source: true });
      expect(fetched && Buffer.from(fetched.source!).equals(stored.bytes)).toBe(true);
      // What the sender sent is the tail of what is stored (our Received header comes first).
      expect(stored.bytes.subarray(stored.bytes.length - message.sent.length).equals(message.sent)).toBe(true);
    }
    const flags = await client.fetchOne("1", { flags: true });
    expect(flags && flags.flags!.has("\\Seen")).toBe(false);
  });

  it("partial fetches and part sections", async () => {
    const stored = (await download(server, `/api/v1/messages/${delivered[2]!.id}/raw`, inbox.key)).bytes;
    const partial = await client.fetchOne("3", { source: { start: 100, maxLength: 250 } });
    expect(Buffer.from(present(partial).source!).equals(stored.subarray(100, 350))).toBe(true);
    const part = await client.download("2", "2");
    const chunks: Buffer[] = [];
    for await (const chunk of present(part.content)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("amount: 42\n".repeat(50));
    const headers = await client.fetchOne("2", { headers: ["subject", "from"] });
    expect(headers && headers.headers!.toString()).toMatch(
      /^From: Bob Biller <bob@billing.test>\r\nSubject: Invoice 42\r\n\r\n$/,
    );
  });

  it("SEARCH by subject, from, body, size, flags, UID set and date", async () => {
    expect(await client.search({ subject: "invoice" })).toEqual([2]);
    expect(await client.search({ from: "bob@billing" })).toEqual([2]);
    expect(await client.search({ body: "plain body" })).toEqual([1]);
    expect(await client.search({ larger: 4500 })).toEqual([3]);
    expect(await client.search({ smaller: 4500 })).toEqual([1, 2]);
    expect(await client.search({ seen: false })).toEqual([1, 2, 3]);
    expect(await client.search({ seen: true })).toEqual([]);
    expect(await client.search({ uid: "2:*" }, { uid: true })).toEqual([2, 3]);
    expect(await client.search({ since: new Date(Date.now() - 86_400_000) })).toEqual([1, 2, 3]);
    expect(await client.search({ before: new Date(Date.now() - 86_400_000) })).toEqual([]);
    expect(await client.search({ or: [{ subject: "first" }, { subject: "third" }] })).toEqual([1, 3]);
    expect(await client.search({ not: { subject: "first" }, header: { subject: "o" } })).toEqual([2, 3]);
    expect(await client.search({ text: "billing.test" })).toEqual([2]);
    expect(await client.search({ text: "pay the" })).toEqual([2]);
    expect(await client.search({ header: { "content-type": "multipart/mixed" } })).toEqual([2]);
  });

  it("STATUS counts messages and unseen ones without selecting", async () => {
    const status = await client.status("INBOX", { messages: true, unseen: true, uidNext: true, uidValidity: true });
    expect(status).toMatchObject({ messages: 3, unseen: 3, uidNext: 4 });
    const trash = await client.status("Trash", { messages: true });
    expect(present(trash).messages).toBe(0);
  });

  it("IDLE reports new mail delivered over SMTP", async () => {
    const idler = await imapClient(server, inbox);
    try {
      await idler.mailboxOpen("INBOX");
      const exists = new Promise<number>((resolve) => idler.on("exists", (data: { count: number }) => resolve(data.count)));
      void idler.idle();
      // Give the client a moment to enter IDLE, so the report comes from it and not from a NOOP.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const raw = await composeMessage({ from: "carol@sender.test", to: inbox.address, subject: "While idling", text: "hi" });
      await mxTransport(server.app.smtpPort).sendMail({ envelope: { from: "carol@sender.test", to: [inbox.address] }, raw });
      const count = await Promise.race([
        exists,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error("no EXISTS")), 15_000)),
      ]);
      expect(count).toBe(4);
    } finally {
      await idler.logout().catch(() => undefined);
    }
  });

  it("creates, renames, subscribes and deletes folders", async () => {
    await client.mailboxCreate("Projects/Alpha");
    let list = await client.list();
    expect(list.find((f) => f.path === "Projects")!.flags.has("\\HasChildren")).toBe(true);
    expect(list.find((f) => f.path === "Projects/Alpha")!.flags.has("\\HasNoChildren")).toBe(true);
    await client.mailboxRename("Projects", "Work");
    list = await client.list();
    expect(list.map((f) => f.path)).toContain("Work/Alpha");
    expect(list.map((f) => f.path)).not.toContain("Projects/Alpha");
    await client.mailboxUnsubscribe("Work/Alpha");
    const subscribed = await client.list({ statusQuery: {} }).then(() => client.listTree());
    expect(subscribed).toBeDefined();
    await client.mailboxDelete("Work/Alpha");
    await client.mailboxDelete("Work");
    list = await client.list();
    expect(list.map((f) => f.path).sort()).toEqual(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    await expect(client.mailboxDelete("INBOX")).rejects.toThrow();
    await client.mailboxOpen("INBOX");
  });
});
