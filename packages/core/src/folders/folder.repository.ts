import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { FolderRow, NewFolderRow } from "./folder.table.js";
import { standardFolderRows } from "./standard-folders.js";

/** A new mailbox's folders; call it in the transaction that creates the mailbox. */
export async function insertStandardFolders(executor: Executor, mailbox: { id: string; tenant_id: string }): Promise<void> {
  await executor.insertInto("folders").values(standardFolderRows(mailbox)).execute();
}

/**
 * Reserves `count` UIDs in a folder and raises its modification sequence: the first reserved UID
 * and the new modseq. The row stays locked until the caller's transaction ends, so UIDs are
 * handed out in commit order within a folder (RFC 3501 2.3.1.1: UIDs strictly ascend).
 */
export async function allocateUids(
  executor: Executor,
  folderId: string,
  count: number,
): Promise<{ firstUid: number; modseq: number } | undefined> {
  const row = await sql<{ first_uid: string; modseq: string }>`
    update folders set uid_next = uid_next + ${count}, highest_modseq = highest_modseq + 1
    where id = ${folderId}
    returning (uid_next - ${count})::text as first_uid, highest_modseq::text as modseq`
    .execute(executor)
    .then((r) => r.rows[0]);
  return row ? { firstUid: Number(row.first_uid), modseq: Number(row.modseq) } : undefined;
}

export interface FolderCounts {
  total: number;
  unseen: number;
}

/** A mailbox's folders with their message counts: one grouped query over the mailbox's messages. */
export async function listFoldersWithCounts(
  executor: Executor,
  tenantId: string,
  mailboxId: string,
): Promise<(FolderRow & { total: string; unseen: string })[]> {
  return (
    executor
      .selectFrom("folders as f")
      .leftJoin(
        (eb) =>
          eb
            .selectFrom("messages")
            .select(["folder_id", sql<string>`count(*)`.as("total"), sql<string>`count(*) filter (where not seen)`.as("unseen")])
            .where("mailbox_id", "=", mailboxId)
            .groupBy("folder_id")
            .as("c"),
        (join) => join.onRef("c.folder_id", "=", "f.id"),
      )
      .selectAll("f")
      .select([sql<string>`coalesce(c.total, 0)`.as("total"), sql<string>`coalesce(c.unseen, 0)`.as("unseen")])
      .where("f.mailbox_id", "=", mailboxId)
      .where("f.tenant_id", "=", tenantId)
      // INBOX first, then by name.
      .orderBy(sql`f.name <> 'INBOX'`)
      .orderBy("f.name")
      .execute()
  );
}

/** One folder's counts. */
export async function countFolderMessages(executor: Executor, folderId: string): Promise<FolderCounts> {
  const row = await executor
    .selectFrom("messages")
    .select([sql<string>`count(*)`.as("total"), sql<string>`count(*) filter (where not seen)`.as("unseen")])
    .where("folder_id", "=", folderId)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), unseen: Number(row.unseen) };
}

export async function findFolderByName(executor: Executor, mailboxId: string, name: string): Promise<FolderRow | undefined> {
  return executor
    .selectFrom("folders")
    .selectAll()
    .where("mailbox_id", "=", mailboxId)
    .where("name", "=", name)
    .executeTakeFirst();
}

export async function findTenantFolder(
  executor: Executor,
  tenantId: string,
  mailboxId: string,
  folderId: string,
  options: { lock?: boolean } = {},
): Promise<FolderRow | undefined> {
  const query = executor
    .selectFrom("folders")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("mailbox_id", "=", mailboxId)
    .where("id", "=", folderId);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

/** The folder rows, locked in id order (one order for every path, so two never deadlock). */
export async function lockFolders(executor: Executor, folderIds: readonly string[]): Promise<FolderRow[]> {
  return executor
    .selectFrom("folders")
    .selectAll()
    .where("id", "in", [...new Set(folderIds)])
    .orderBy("id")
    .forUpdate()
    .execute();
}

/** A new folder, or undefined when the mailbox has one of that name. */
export async function insertFolder(executor: Executor, row: NewFolderRow): Promise<FolderRow | undefined> {
  return executor
    .insertInto("folders")
    .values(row)
    .onConflict((oc) => oc.columns(["mailbox_id", "name"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The names among `names` the mailbox already has. */
export async function existingFolderNames(executor: Executor, mailboxId: string, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await executor
    .selectFrom("folders")
    .select("name")
    .where("mailbox_id", "=", mailboxId)
    .where("name", "in", [...names])
    .execute();
  return rows.map((r) => r.name);
}

/** The folder named `name` and every folder below it, locked. */
export async function lockFolderTree(executor: Executor, mailboxId: string, name: string): Promise<FolderRow[]> {
  return executor
    .selectFrom("folders")
    .selectAll()
    .where("mailbox_id", "=", mailboxId)
    .where((eb) => eb.or([eb("name", "=", name), eb(sql`left(name, ${name.length + 1})`, "=", `${name}/`)]))
    .orderBy("id")
    .forUpdate()
    .execute();
}

export async function renameFolderRow(executor: Executor, folderId: string, name: string): Promise<void> {
  await executor.updateTable("folders").set({ name }).where("id", "=", folderId).execute();
}

export async function setFolderSubscribed(executor: Executor, folderId: string, subscribed: boolean): Promise<void> {
  await executor.updateTable("folders").set({ subscribed }).where("id", "=", folderId).execute();
}

/**
 * Deletes a folder, its messages, and the contents only they referred to, in one statement: the
 * outer delete cannot see the CTE's deletes (one snapshot), so it skips this folder's rows itself.
 */
export async function deleteFolderAndMessages(executor: Executor, folderId: string): Promise<number> {
  const row = await sql<{ n: string }>`
    with gone as (delete from messages where folder_id = ${folderId} returning content_id),
    contents as (
      delete from message_contents c where c.id in (select content_id from gone)
        and not exists (select 1 from messages m where m.content_id = c.id and m.folder_id <> ${folderId})
    ),
    folder as (delete from folders where id = ${folderId})
    select count(*)::text as n from gone`
    .execute(executor)
    .then((r) => r.rows[0]);
  return Number(row?.n ?? 0);
}

/** The mailbox's folder for sent mail (RFC 6154 \Sent), if it still has one. */
export async function findSentFolderId(executor: Executor, mailboxId: string): Promise<string | undefined> {
  const row = await executor
    .selectFrom("folders")
    .select("id")
    .where("mailbox_id", "=", mailboxId)
    .where("special_use", "=", "\\Sent")
    .orderBy("created_at")
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
