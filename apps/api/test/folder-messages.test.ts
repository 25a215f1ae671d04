import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendMessage,
  copyMessages,
  expungeMessages,
  moveMessages,
  storeFlags,
} from "../../../packages/core/src/folders/folder-messages.js";
import { findFolder } from "../../../packages/core/src/folders/folder.service.js";
import { composeMessage, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

/*
 * The folder operations IMAP and POP3 call, on the server's own database: what each does to UIDs,
 * modseqs, flags and the shared message contents.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startReceivingServer({ MAILROOM_MAX_MESSAGE_BYTES: "100000" }, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

const deps = () => server.app.core.deps;
const db = () => deps().db;

async function folderOf(inbox: TestInbox, name: string) {
  const folder = await findFolder(deps(), inbox.accountId, name);
  if (!folder) throw new Error(`no folder ${name}`);
  return folder;
}

async function deliver(inbox: TestInbox, count: number): Promise<void> {
  const mx = mxTransport(server.app.smtpPort);
  for (let i = 0; i < count; i++) {
    await mx.sendMail({ from: "a@elsewhere.test", to: inbox.address, subject: `m${i}`, text: `message ${i}` });
  }
  mx.close();
}

async function rows(folderId: string) {
  const found = await db()
    .selectFrom("messages")
    .select(["id", "uid", "modseq", "content_id", "seen", "flagged", "deleted", "keywords", "subject"])
    .where("folder_id", "=", folderId)
    .orderBy("uid")
    .execute();
  return found.map((r) => ({ ...r, uid: Number(r.uid), modseq: Number(r.modseq) }));
}

const contentExists = async (id: string) =>
  (await db().selectFrom("message_contents").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;

describe("storeFlags", () => {
  it("adds, removes and replaces; raises the modseq once per change; skips messages changed since UNCHANGEDSINCE", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, 3);
    const folder = await folderOf(inbox, "INBOX");

    const added = await storeFlags(deps(), folder.id, [1, 2], { mode: "add", flags: ["\\Flagged", "work"] });
    const after = await folderOf(inbox, "INBOX");
    expect(after.highestModseq).toBe(folder.highestModseq + 1);
    expect(added).toEqual({
      changed: [
        { uid: 1, flags: ["\\Flagged", "work"], modseq: after.highestModseq },
        { uid: 2, flags: ["\\Flagged", "work"], modseq: after.highestModseq },
      ],
      failedUnchangedSince: [],
    });

    // Nothing to change: no new modseq.
    expect((await storeFlags(deps(), folder.id, [1], { mode: "add", flags: ["\\flagged"] })).changed).toEqual([]);
    expect((await folderOf(inbox, "INBOX")).highestModseq).toBe(after.highestModseq);

    const guarded = await storeFlags(deps(), folder.id, [1, 3], {
      mode: "replace",
      flags: ["\\Seen"],
      unchangedSince: folder.highestModseq,
    });
    // UID 1 changed after that modseq; UID 3 did not.
    expect(guarded.failedUnchangedSince).toEqual([1]);
    expect(guarded.changed.map((c) => [c.uid, c.flags])).toEqual([[3, ["\\Seen"]]]);

    const removed = await storeFlags(deps(), folder.id, [1, 2, 3, 99], { mode: "remove", flags: ["work", "\\Seen"] });
    expect(removed.changed.map((c) => [c.uid, c.flags])).toEqual([
      [1, ["\\Flagged"]],
      [2, ["\\Flagged"]],
      [3, []],
    ]);
    await expect(storeFlags(deps(), folder.id, [1], { mode: "add", flags: ["\\Recent"] })).rejects.toMatchObject({
      code: "FLAG_INVALID",
    });
  });
});

describe("copy, move, expunge", () => {
  it("copies share the content, get ascending UIDs in the target, and keep flags; the source is untouched", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, 3);
    const source = await folderOf(inbox, "INBOX");
    const target = await folderOf(inbox, "Archive");
    await storeFlags(deps(), source.id, [2], { mode: "add", flags: ["\\Flagged"] });
    const sourceModseq = (await folderOf(inbox, "INBOX")).highestModseq;

    const mapping = await copyMessages(deps(), source.id, [3, 2], target.id);
    expect(mapping).toEqual({
      uidValidity: target.uidValidity,
      pairs: [
        [2, 1],
        [3, 2],
      ],
    });
    const again = await copyMessages(deps(), source.id, [1], target.id);
    expect(again.pairs).toEqual([[1, 3]]);

    const copied = await rows(target.id);
    const originals = await rows(source.id);
    expect(copied.map((r) => r.content_id)).toEqual([
      originals[1]!.content_id,
      originals[2]!.content_id,
      originals[0]!.content_id,
    ]);
    expect(copied[0]).toMatchObject({ flagged: true, subject: "m1" });
    expect(copied.map((r) => r.id)).not.toContain(originals[0]!.id);
    const targetAfter = await folderOf(inbox, "Archive");
    expect(targetAfter).toMatchObject({ uidNext: 4, highestModseq: target.highestModseq + 2 });
    expect(copied[2]!.modseq).toBe(targetAfter.highestModseq);
    expect((await folderOf(inbox, "INBOX")).highestModseq).toBe(sourceModseq);
  });

  it("a move keeps the message id, takes new UIDs in the target and raises both folders' modseqs", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, 2);
    const source = await folderOf(inbox, "INBOX");
    const target = await folderOf(inbox, "Trash");
    const [first] = await rows(source.id);

    const mapping = await moveMessages(deps(), source.id, [1], target.id);
    expect(mapping).toEqual({ uidValidity: target.uidValidity, pairs: [[1, 1]] });
    expect((await rows(source.id)).map((r) => r.uid)).toEqual([2]);
    expect(await rows(target.id)).toEqual([expect.objectContaining({ id: first!.id, uid: 1, content_id: first!.content_id })]);
    expect((await folderOf(inbox, "INBOX")).highestModseq).toBe(source.highestModseq + 1);
    expect((await folderOf(inbox, "Trash")).highestModseq).toBe(target.highestModseq + 1);
    // A folder of another mailbox is not a target.
    const stranger = await newInbox(server);
    await expect(moveMessages(deps(), source.id, [2], (await folderOf(stranger, "INBOX")).id)).rejects.toMatchObject({
      code: "FOLDER_NOT_FOUND",
    });
    expect((await rows(source.id)).map((r) => r.uid)).toEqual([2]);
  });

  it("expunge removes \\Deleted messages (only the given UIDs when named); a shared content goes with its last copy", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, 3);
    const source = await folderOf(inbox, "INBOX");
    const archive = await folderOf(inbox, "Archive");
    await copyMessages(deps(), source.id, [1], archive.id);
    const [first] = await rows(source.id);

    expect(await expungeMessages(deps(), source.id)).toEqual([]);
    expect((await folderOf(inbox, "INBOX")).highestModseq).toBe(source.highestModseq);
    await storeFlags(deps(), source.id, [1, 2, 3], { mode: "add", flags: ["\\Deleted"] });
    expect(await expungeMessages(deps(), source.id, [1, 3])).toEqual([1, 3]);
    expect((await rows(source.id)).map((r) => r.uid)).toEqual([2]);
    // The archived copy still refers to the content: it stays, and the purge job leaves it too.
    expect(await contentExists(first!.content_id)).toBe(true);
    await db()
      .updateTable("message_contents")
      .set({ created_at: new Date(Date.now() - 3_600_000) })
      .where("id", "=", first!.content_id)
      .execute();
    await server.app.core.maintenance.purgeUnreferencedMessageContents();
    expect(await contentExists(first!.content_id)).toBe(true);

    await storeFlags(deps(), archive.id, [1], { mode: "add", flags: ["\\Deleted"] });
    expect(await expungeMessages(deps(), archive.id)).toEqual([1]);
    expect(await contentExists(first!.content_id)).toBe(false);
    expect((await folderOf(inbox, "INBOX")).highestModseq).toBeGreaterThan(source.highestModseq);
  });
});

describe("appendMessage", () => {
  it("stores the bytes with flags and INTERNALDATE, the next UID, and no message.received event", async () => {
    const inbox = await newInbox(server);
    const drafts = await folderOf(inbox, "Drafts");
    const raw = await composeMessage({ from: inbox.address, to: "x@elsewhere.test", subject: "Draft 1", text: "unfinished" });
    const internalDate = new Date("2026-01-02T03:04:05.000Z");
    const stored = await appendMessage(deps(), drafts.id, raw, { flags: ["\\Draft", "\\Seen", "todo"], internalDate });
    expect(stored).toMatchObject({ uid: 1, uidValidity: drafts.uidValidity, messageId: expect.stringMatching(/^msg_/) });
    const second = await appendMessage(deps(), drafts.id, raw, {});
    expect(second.uid).toBe(2);

    const res = await server.call("GET", `/api/v1/messages/${stored.messageId}`, { key: inbox.key });
    expect(res.body).toMatchObject({ folder: "Drafts", subject: "Draft 1", seen: true, flags: ["\\Seen", "\\Draft", "todo"] });
    expect(res.body.received_at).toBe(internalDate.toISOString());
    const rawBack = await fetch(`${server.url}/api/v1/messages/${stored.messageId}/raw`, {
      headers: { authorization: `Bearer ${inbox.key}` },
    });
    expect(Buffer.from(await rawBack.arrayBuffer()).equals(raw)).toBe(true);
    const events = await db().selectFrom("events").select("type").where("tenant_id", "=", inbox.tenantId).execute();
    expect(events.filter((e) => e.type === "message.received")).toEqual([]);
    // Not in INBOX, so no list or wait shows it.
    expect((await server.call("GET", `/api/v1/inbox/${inbox.accountId}`, { key: inbox.key })).body.messages).toEqual([]);
  });

  it("refuses a message over the size limit and bad flags, storing nothing", async () => {
    const inbox = await newInbox(server);
    const drafts = await folderOf(inbox, "Drafts");
    const big = Buffer.concat([Buffer.from("Subject: big\r\n\r\n"), Buffer.alloc(100_001, "a")]);
    await expect(appendMessage(deps(), drafts.id, big, {})).rejects.toMatchObject({
      code: "MESSAGE_TOO_LARGE",
      message: `The message is ${big.length} bytes; this server stores at most 100000 bytes`,
    });
    const raw = Buffer.from("Subject: ok\r\n\r\nbody\r\n");
    await expect(appendMessage(deps(), drafts.id, raw, { flags: ["\\Nope"] })).rejects.toMatchObject({ code: "FLAG_INVALID" });
    expect(await rows(drafts.id)).toEqual([]);
    expect((await folderOf(inbox, "Drafts")).uidNext).toBe(1);
  });
});
