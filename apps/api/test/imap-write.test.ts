import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, imapClient, present, RawImap } from "./support/imap-helpers.js";
import { composeMessage, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

/*
 * The write commands (STORE, COPY, MOVE, EXPUNGE, APPEND, non-PEEK fetch) go through the shared
 * folder operations (folders/folder-messages.ts).
 */

let server: TestServer;

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

async function mailboxWith(count: number): Promise<{ inbox: TestInbox; ids: string[]; client: ImapFlow }> {
  const inbox = await newInbox(server);
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) ids.push((await deliver(server, inbox, { subject: `Message ${i}`, text: `body ${i}` })).id);
  const client = await imapClient(server, inbox);
  await client.mailboxOpen("INBOX");
  return { inbox, ids, client };
}

async function restSeen(inbox: TestInbox, id: string): Promise<boolean> {
  const res = await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key });
  expect(res.status).toBe(200);
  return res.body.seen;
}

describe("IMAP writes", () => {
  it("STORE sets and clears flags; \\Seen shows in the REST API", async () => {
    const { inbox, ids, client } = await mailboxWith(2);
    try {
      expect(await client.messageFlagsAdd("1", ["\\Seen", "\\Flagged", "$Important"])).toBe(true);
      const flags = await client.fetchOne("1", { flags: true });
      expect([...present(present(flags).flags)].sort()).toEqual(["$Important", "\\Flagged", "\\Seen"]);
      expect(await restSeen(inbox, ids[0]!)).toBe(true);
      expect(await restSeen(inbox, ids[1]!)).toBe(false);
      await client.messageFlagsRemove("1", ["\\Seen"]);
      expect(await restSeen(inbox, ids[0]!)).toBe(false);
      await client.messageFlagsSet("2", ["\\Answered"], { uid: true });
      expect(await client.search({ answered: true })).toEqual([2]);
      expect(await client.search({ keyword: "$Important" })).toEqual([1]);
      expect(await client.search({ flagged: true, unKeyword: "$Other" })).toEqual([1]);
    } finally {
      await client.logout();
    }
  });

  it("a non-PEEK body fetch sets \\Seen and says so; EXAMINE never does", async () => {
    const { inbox, ids, client } = await mailboxWith(2);
    await client.logout();
    const imap = await RawImap.open(server.app.imap.port);
    try {
      expect(await imap.login(inbox.address)).toMatch(/^L1 OK/m);
      expect(await imap.command("e1", "EXAMINE INBOX")).toMatch(/^e1 OK \[READ-ONLY\]/m);
      expect(await imap.command("e2", "FETCH 2 BODY[TEXT]")).not.toMatch(/FLAGS/);
      expect(await restSeen(inbox, ids[1]!)).toBe(false);
      expect(await imap.command("s1", "SELECT INBOX")).toMatch(/^s1 OK \[READ-WRITE\]/m);
      expect(await imap.command("f1", "FETCH 1 BODY.PEEK[TEXT]")).not.toMatch(/FLAGS/);
      expect(await restSeen(inbox, ids[0]!)).toBe(false);
      const fetched = await imap.command("f2", "FETCH 1 BODY[TEXT]");
      expect(fetched).toMatch(/^\* 1 FETCH \(BODY\[TEXT\] \{\d+\}\r\nbody 1\r?\n? FLAGS \(\\Seen\)\)/m);
      expect(await restSeen(inbox, ids[0]!)).toBe(true);
    } finally {
      imap.close();
    }
  });

  it("COPY and MOVE to Trash answer COPYUID; EXPUNGE removes \\Deleted messages", async () => {
    const { client } = await mailboxWith(3);
    try {
      const copied = await client.messageCopy("1", "Archive");
      expect(copied && copied.uidMap!.get(1)).toBe(1);
      const moved = await client.messageMove("2", "Trash");
      expect(moved && moved.uidMap!.get(2)).toBe(1);
      expect(client.mailbox ? client.mailbox.exists : null).toBe(2);
      expect(present(await client.status("Trash", { messages: true })).messages).toBe(1);
      expect(present(await client.status("Archive", { messages: true })).messages).toBe(1);
      await client.messageFlagsAdd("1", ["\\Deleted"]);
      expect(await client.messageDelete("1")).toBe(true);
      const left = [];
      for await (const m of client.fetch("1:*", { uid: true, envelope: true })) left.push([m.uid, m.envelope!.subject]);
      expect(left).toEqual([[3, "Message 3"]]);
      await client.mailboxOpen("Trash");
      const trash = await client.fetchOne("1", { envelope: true });
      expect(trash && trash.envelope!.subject).toBe("Message 2");
    } finally {
      await client.logout();
    }
  });

  it("APPEND to Drafts answers APPENDUID and stores the bytes as given", async () => {
    const { client, inbox } = await mailboxWith(0);
    try {
      const raw = await composeMessage({ from: inbox.address, to: "someone@example.test", subject: "Draft", text: "unfinished" });
      const appended = await client.append("Drafts", raw, ["\\Draft", "\\Seen"]);
      expect(appended ? appended.uid : null).toBe(1);
      await client.mailboxOpen("Drafts");
      const fetched = await client.fetchOne("1", { source: true, flags: true });
      expect(fetched && Buffer.from(fetched.source!).equals(raw)).toBe(true);
      expect([...present(present(fetched).flags)].sort()).toEqual(["\\Draft", "\\Seen"]);
      await expect(client.append("Nowhere", raw)).rejects.toThrow();
    } finally {
      await client.logout();
    }
  });

  it("two sessions see each other's flag changes and expunges", async () => {
    const { inbox, client: one } = await mailboxWith(3);
    const two = await imapClient(server, inbox);
    try {
      await two.mailboxOpen("INBOX");
      const flagsSeen = new Promise<{ seq: number; flags: Set<string> }>((resolve) => two.on("flags", resolve));
      await one.messageFlagsAdd("2", ["\\Flagged"]);
      await two.noop();
      const change = await flagsSeen;
      expect(change.seq).toBe(2);
      expect(change.flags.has("\\Flagged")).toBe(true);

      const expunged = new Promise<{ seq: number }>((resolve) => two.on("expunge", resolve));
      await one.messageDelete("1");
      await two.noop();
      expect((await expunged).seq).toBe(1);
      expect(two.mailbox ? two.mailbox.exists : null).toBe(2);
      const uids = [];
      for await (const m of two.fetch("1:*", { uid: true })) uids.push(m.uid);
      expect(uids).toEqual([2, 3]);
    } finally {
      await one.logout();
      await two.logout();
    }
  });
});
