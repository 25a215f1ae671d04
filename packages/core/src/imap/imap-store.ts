import { flagsOf } from "../folders/message-flags.js";
import { sql, type RawBuilder } from "kysely";
import type { Executor } from "../db/database.js";

/**
 * What the IMAP server reads: folders, a folder's message list as small rows (UID, flags, modseq,
 * size, internal date), and raw bytes by content id. Lists are read in pages keyed by UID, so a
 * folder of 100k messages is never one result set; raw bytes only for the messages a FETCH needs.
 */

export interface FolderInfo {
  id: string;
  mailboxId: string;
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
}

export interface MessageMeta {
  uid: number;
  /** The message's id (`msg_…`), as REST knows it. */
  id: string;
  contentId: string;
  flags: string[];
  modseq: number;
  size: number;
  internalDate: Date;
}

/** Rows per page when walking a folder's UIDs. */
const UID_PAGE = 10_000;

type FolderRowLike = {
  id: string;
  mailbox_id: string;
  name: string;
  special_use: string | null;
  subscribed: boolean;
  uid_validity: string;
  uid_next: string;
  highest_modseq: string;
};

function toFolderInfo(row: FolderRowLike): FolderInfo {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    name: row.name,
    specialUse: row.special_use,
    subscribed: row.subscribed,
    uidValidity: Number(row.uid_validity),
    uidNext: Number(row.uid_next),
    highestModseq: Number(row.highest_modseq),
  };
}

const FOLDER_COLUMNS = [
  "id",
  "mailbox_id",
  "name",
  "special_use",
  "subscribed",
  "uid_validity",
  "uid_next",
  "highest_modseq",
] as const;

export async function findFolderByName(db: Executor, mailboxId: string, name: string): Promise<FolderInfo | undefined> {
  const row = await db
    .selectFrom("folders")
    .select(FOLDER_COLUMNS)
    .where("mailbox_id", "=", mailboxId)
    .where("name", "=", name)
    .executeTakeFirst();
  return row ? toFolderInfo(row) : undefined;
}

export async function findFolderById(db: Executor, folderId: string): Promise<FolderInfo | undefined> {
  const row = await db.selectFrom("folders").select(FOLDER_COLUMNS).where("id", "=", folderId).executeTakeFirst();
  return row ? toFolderInfo(row) : undefined;
}

export async function listFolderInfos(db: Executor, mailboxId: string): Promise<FolderInfo[]> {
  const rows = await db
    .selectFrom("folders")
    .select(FOLDER_COLUMNS)
    .where("mailbox_id", "=", mailboxId)
    .orderBy("name")
    .execute();
  return rows.map(toFolderInfo);
}

/** Every UID of the folder above `after` and up to `maxUid`, ascending, read a page at a time. */
export async function folderUids(db: Executor, folderId: string, maxUid = Number.MAX_SAFE_INTEGER, after = 0): Promise<number[]> {
  const uids: number[] = [];
  for (;;) {
    const rows = await db
      .selectFrom("messages")
      .select("uid")
      .where("folder_id", "=", folderId)
      .where("uid", ">", String(after))
      .where("uid", "<=", String(maxUid))
      .orderBy("uid")
      .limit(UID_PAGE)
      .execute();
    for (const row of rows) uids.push(Number(row.uid));
    if (rows.length < UID_PAGE) return uids;
    after = uids[uids.length - 1]!;
  }
}

/** How many messages the folder holds with a UID up to `maxUid` (an index-only count). */
export async function countUpTo(db: Executor, folderId: string, maxUid: number): Promise<number> {
  const row = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("folder_id", "=", folderId)
    .where("uid", "<=", String(maxUid))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface FlagRow {
  uid: number;
  flags: string[];
  modseq: number;
}

/** Messages changed after `modseq` (flags set, or new), ascending by UID. */
export async function changedSince(db: Executor, folderId: string, modseq: number): Promise<FlagRow[]> {
  const rows = await db
    .selectFrom("messages")
    .select(["uid", "modseq", "seen", "answered", "flagged", "deleted", "draft", "keywords"])
    .where("folder_id", "=", folderId)
    .where("modseq", ">", String(modseq))
    .orderBy("uid")
    .execute();
  return rows.map((row) => ({ uid: Number(row.uid), modseq: Number(row.modseq), flags: flagsOf(row) }));
}

/** The metadata of the messages with these UIDs (a page), ascending by UID. */
export async function messagesByUid(db: Executor, folderId: string, uids: readonly number[]): Promise<MessageMeta[]> {
  if (uids.length === 0) return [];
  const rows = await db
    .selectFrom("messages")
    .select([
      "uid",
      "id",
      "content_id",
      "modseq",
      "size",
      "received_at",
      "seen",
      "answered",
      "flagged",
      "deleted",
      "draft",
      "keywords",
    ])
    .where("folder_id", "=", folderId)
    .where(sql<boolean>`uid = any(${uids.map(String)}::bigint[])`)
    .orderBy("uid")
    .execute();
  return rows.map((row) => ({
    uid: Number(row.uid),
    id: row.id,
    contentId: row.content_id,
    flags: flagsOf(row),
    modseq: Number(row.modseq),
    size: row.size,
    internalDate: row.received_at,
  }));
}

/**
 * Raw bytes by content id; with `prefix`, only the first `prefix` bytes of each (enough for the
 * header of nearly every message, for ENVELOPE and header fetches without reading attachments).
 */
export async function rawContents(db: Executor, contentIds: readonly string[], prefix?: number): Promise<Map<string, Buffer>> {
  if (contentIds.length === 0) return new Map();
  const raw: RawBuilder<Uint8Array> = prefix === undefined ? sql`raw` : sql`substring(raw from 1 for ${prefix})`;
  const rows = await db
    .selectFrom("message_contents")
    .select(["id", raw.as("raw")])
    .where("id", "in", [...new Set(contentIds)])
    .execute();
  return new Map(rows.map((row) => [row.id, toBuffer(row.raw)]));
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function folderCounts(db: Executor, folderId: string): Promise<{ messages: number; unseen: number }> {
  const row = await db
    .selectFrom("messages")
    .select((eb) => [eb.fn.countAll<string>().as("messages"), sql<string>`count(*) filter (where not seen)`.as("unseen")])
    .where("folder_id", "=", folderId)
    .executeTakeFirstOrThrow();
  return { messages: Number(row.messages), unseen: Number(row.unseen) };
}

/** The lowest UID without \Seen, for SELECT's `[UNSEEN n]`. */
export async function firstUnseenUid(db: Executor, folderId: string): Promise<number | null> {
  const row = await db
    .selectFrom("messages")
    .select("uid")
    .where("folder_id", "=", folderId)
    .where("seen", "=", false)
    .orderBy("uid")
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.uid) : null;
}

/** Whether any message of the folder is flagged \Deleted (CLOSE has nothing to expunge otherwise). */
export async function hasDeletedMessages(db: Executor, folderId: string): Promise<boolean> {
  const row = await db
    .selectFrom("messages")
    .select("id")
    .where("folder_id", "=", folderId)
    .where("deleted", "=", true)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** UIDs of messages matching an SQL condition over `m` (messages) and `c` (message_contents). */
export async function searchUids(
  db: Executor,
  folderId: string,
  condition: RawBuilder<boolean>,
  maxUid: number,
): Promise<number[]> {
  const result = await sql<{ uid: string }>`
    select m.uid from messages m join message_contents c on c.id = m.content_id
    where m.folder_id = ${folderId} and m.uid <= ${maxUid} and (${condition})
    order by m.uid`.execute(db);
  return result.rows.map((row) => Number(row.uid));
}
