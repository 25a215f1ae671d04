import { type DatabaseHandle, migrateTo, migrateToLatest, openDatabase } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "./support/scratch-database.js";

/*
 * The folders migration on a database that already holds mail: a database of its own (a fresh
 * PostgreSQL database on the run's server, or an in-memory PGlite), migrated up to the migration
 * before it, filled with raw SQL, then migrated to the latest.
 */

const BEFORE_FOLDERS = "2026_12_03_110000_create_webhooks";

let handle: DatabaseHandle;
let dropDatabase: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const base = process.env.DATABASE_URL;
  if (base) {
    const scratch = await createScratchDatabase(base, "mailroom_migration");
    handle = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
    dropDatabase = scratch.drop;
  } else {
    handle = await openDatabase({ pgliteDataDir: "memory://" });
  }
});
afterAll(async () => {
  await handle?.close();
  await dropDatabase?.();
});

const ids = {
  tenant: "ten_01m7w75tm1kfx42erqr60x4z0v",
  mailbox: "acc_01m7whfdww3pgfya7z942m8m2b",
  empty: "acc_01m7whfdww3pgfya7z942m8m2c",
};

describe("the folders migration", () => {
  it("gives existing mailboxes INBOX and the five special folders, and numbers their mail 1..n in id order", async () => {
    const db = handle.db;
    await migrateTo(db, BEFORE_FOLDERS);
    // Only the columns of the schema as it was then (the builder's types are today's: hence the casts).
    await db.insertInto("tenants").values({ id: ids.tenant, name: "old", plan: "free" }).execute();
    for (const [id, local] of [
      [ids.mailbox, "olduser"],
      [ids.empty, "emptybox"],
    ] as const) {
      await db
        .insertInto("mailboxes")
        .values({ id, tenant_id: ids.tenant, domain: "ig.do", local_part: local, address: `${local}@ig.do` } as never)
        .execute();
    }
    // Ids inserted out of order: numbering follows the id, not the insert.
    const messageIds = ["msg_01m7wmx9n578hkxg1qwdejd1h3", "msg_01m7wmx9n578hkxg1qwdejd1h1", "msg_01m7wmx9n578hkxg1qwdejd1h2"];
    for (const id of messageIds) {
      await db
        .insertInto("message_contents")
        .values({
          id,
          raw: Buffer.from("Subject: x\r\n\r\nx"),
          size: 14,
          headers: "[]",
          cc: "[]",
          reply_to: "[]",
          attachments: "[]",
          auth_results: "{}",
        } as never)
        .execute();
      await db
        .insertInto("messages")
        .values({
          id,
          tenant_id: ids.tenant,
          mailbox_id: ids.mailbox,
          content_id: id,
          rcpt_to: "olduser@ig.do",
          from_address: "a@b.c",
          to_addresses: "[]",
          subject: id,
          preview: "",
          size: 14,
          has_attachments: false,
        } as never)
        .execute();
    }

    await migrateToLatest(db);

    const folders = {
      rows: await db
        .selectFrom("folders")
        .select(["id", "mailbox_id", "name", "special_use", "uid_next", "uid_validity"])
        .orderBy("mailbox_id")
        .orderBy("name")
        .execute(),
    };
    for (const mailbox of [ids.mailbox, ids.empty]) {
      const mine = folders.rows.filter((f) => f.mailbox_id === mailbox);
      expect(mine.map((f) => [f.name, f.special_use])).toEqual([
        ["Archive", "\\Archive"],
        ["Drafts", "\\Drafts"],
        ["INBOX", null],
        ["Junk", "\\Junk"],
        ["Sent", "\\Sent"],
        ["Trash", "\\Trash"],
      ]);
      const inbox = mine.find((f) => f.name === "INBOX")!;
      // The INBOX id is derived from the mailbox's.
      expect(inbox.id).toBe(`fld_${mailbox.slice(4)}`);
      expect(Number(inbox.uid_next)).toBe(mailbox === ids.mailbox ? 4 : 1);
      for (const f of mine.filter((f) => f.name !== "INBOX")) {
        expect(f.id).toMatch(/^fld_[0-9a-hjkmnp-tv-z]{26}$/);
        expect(Number(f.uid_next)).toBe(1);
      }
    }
    const messages = await db.selectFrom("messages").select(["id", "folder_id", "uid"]).orderBy("uid").execute();
    expect(messages.map((m) => [m.id, Number(m.uid), m.folder_id])).toEqual(
      [...messageIds].sort().map((id, i) => [id, i + 1, `fld_${ids.mailbox.slice(4)}`]),
    );
    expect(new Set(folders.rows.map((f) => String(f.uid_validity))).size).toBe(12);
  });
});
