import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import { INBOX } from "../folders/standard-folders.js";
import { newId } from "../ids.js";

/**
 * Folder create, delete, rename and subscription for IMAP, against the `folders` table. Kept small
 * and in one file so they can be pointed at the shared folder service when there is one.
 */

export type FolderChangeResult = { ok: true } | { ok: false; code: "ALREADYEXISTS" | "NONEXISTENT" | "CANNOT"; text: string };

const DELIMITER = "/";

/** The name and each of its missing parents (`a/b/c` → `a`, `a/b`, `a/b/c`), like RFC 3501 6.3.3 suggests. */
export async function createFolder(
  db: Executor,
  mailbox: { id: string; tenantId: string },
  name: string,
): Promise<FolderChangeResult> {
  if (name === INBOX) return { ok: false, code: "ALREADYEXISTS", text: "INBOX always exists" };
  const levels = name.split(DELIMITER);
  const names = levels.map((_, i) => levels.slice(0, i + 1).join(DELIMITER));
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("folders")
      .select("name")
      .where("mailbox_id", "=", mailbox.id)
      .where("name", "in", names)
      .execute();
    const have = new Set(existing.map((row) => row.name));
    if (have.has(name)) return { ok: false, code: "ALREADYEXISTS", text: `Mailbox ${name} already exists` };
    const rows = names
      .filter((n) => !have.has(n))
      .map((n) => ({ id: newId("folder"), tenant_id: mailbox.tenantId, mailbox_id: mailbox.id, name: n }));
    const inserted = await trx
      .insertInto("folders")
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .returning("name")
      .execute();
    if (!inserted.some((row) => row.name === name))
      return { ok: false, code: "ALREADYEXISTS", text: `Mailbox ${name} already exists` };
    return { ok: true };
  });
}

/** Deletes the folder and its messages; its children stay (they are folders of their own). */
export async function deleteFolder(db: Executor, mailboxId: string, name: string): Promise<FolderChangeResult> {
  if (name === INBOX) return { ok: false, code: "CANNOT", text: "INBOX cannot be deleted" };
  const result = await db.deleteFrom("folders").where("mailbox_id", "=", mailboxId).where("name", "=", name).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) return { ok: false, code: "NONEXISTENT", text: `No mailbox ${name}` };
  return { ok: true };
}

/**
 * Renames the folder and everything below it. The folders keep their UIDVALIDITY: their messages
 * and UIDs are unchanged (RFC 3501 6.3.5 only asks that a name's UIDVALIDITY change when the name
 * is reused for another folder, which the server-wide sequence guarantees).
 */
export async function renameFolder(db: Executor, mailboxId: string, from: string, to: string): Promise<FolderChangeResult> {
  if (from === INBOX) return { ok: false, code: "CANNOT", text: "Renaming INBOX is not supported" };
  if (to === INBOX || to.startsWith(`${from}${DELIMITER}`)) return { ok: false, code: "CANNOT", text: `Cannot rename to ${to}` };
  return db.transaction().execute(async (trx) => {
    const source = await trx
      .selectFrom("folders")
      .select("id")
      .where("mailbox_id", "=", mailboxId)
      .where("name", "=", from)
      .forUpdate()
      .executeTakeFirst();
    if (!source) return { ok: false, code: "NONEXISTENT", text: `No mailbox ${from}` };
    const clash = await trx
      .selectFrom("folders")
      .select("id")
      .where("mailbox_id", "=", mailboxId)
      .where("name", "=", to)
      .executeTakeFirst();
    if (clash) return { ok: false, code: "ALREADYEXISTS", text: `Mailbox ${to} already exists` };
    const prefix = `${from}${DELIMITER}`;
    await sql`
      update folders set name = ${to} || substr(name, ${from.length + 1})
      where mailbox_id = ${mailboxId} and (name = ${from} or left(name, ${prefix.length}) = ${prefix})`.execute(trx);
    return { ok: true };
  });
}

export async function setSubscribed(
  db: Executor,
  mailboxId: string,
  name: string,
  subscribed: boolean,
): Promise<FolderChangeResult> {
  const result = await db
    .updateTable("folders")
    .set({ subscribed })
    .where("mailbox_id", "=", mailboxId)
    .where("name", "=", name)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return { ok: false, code: "NONEXISTENT", text: `No mailbox ${name}` };
  return { ok: true };
}
