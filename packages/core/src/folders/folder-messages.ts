import { type AuthResults, MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { parseMessage } from "../messages/message-parser.js";
import { type IncomingMessage, messageRows } from "../messages/message-store.js";
import { deleteContentsIfUnreferenced, insertMessagesAndNotify } from "../messages/message.repository.js";
import { FOLDER_CHANGES_CHANNEL } from "./folder-changes.js";
import { canonicalFolderName } from "./folder-name.js";
import { allocateUids, findFolderByName, lockFolders } from "./folder.repository.js";
import type { FolderRow } from "./folder.table.js";
import { type FlagSet, type StoredFlags, applyFlags, flagsOf, parseFlags, sameFlags, storedFlags } from "./message-flags.js";

/*
 * What happens to messages inside a mailbox's folders: flags, copy, move, expunge, append. One
 * implementation for every path that needs it (IMAP, POP3, the REST PATCH /messages/{id}), so
 * UIDs, modseqs and change notifications follow one set of rules.
 *
 * Messages are named by UID within one folder. Every change raises the folder's highest_modseq
 * and sets the changed rows' modseq to it, and NOTIFYs FOLDER_CHANGES_CHANNEL after commit
 * (payload `<folder id>`) so IMAP sessions in any process can report it.
 *
 * Every path locks the folder rows it touches (in id order) before reading their messages: the
 * lock serialises UID allocation, modseqs, and the "is this content still referenced" check of
 * deletes against copies made from the same rows.
 */

export { FOLDER_CHANGES_CHANNEL } from "./folder-changes.js";
export { flagsOf } from "./message-flags.js";

/** \Seen \Answered \Flagged \Deleted \Draft, and keywords (anything without a backslash). */
export type Flag = string;

export interface FlagChange {
  mode: "add" | "remove" | "replace";
  flags: Flag[];
  /** CONDSTORE UNCHANGEDSINCE: only messages whose modseq ≤ this change. */
  unchangedSince?: number | undefined;
}

export interface FlagState {
  uid: number;
  flags: Flag[];
  modseq: number;
}

export interface UidMapping {
  /** The destination folder's UIDVALIDITY. */
  uidValidity: number;
  /** [source UID, destination UID], in the order of the source UIDs. */
  pairs: [number, number][];
}

/** Applies `change` to the messages with `uids` in the folder; their new state (modified ones). */
export async function storeFlags(
  deps: CoreDeps,
  folderId: string,
  uids: readonly number[],
  change: FlagChange,
): Promise<{ changed: FlagState[]; failedUnchangedSince: number[] }> {
  const parsed = { mode: change.mode, set: parseFlags(change.flags) };
  return deps.db.transaction().execute(async (trx) => {
    await lockFolder(trx, folderId);
    return storeFlagsIn(trx, folderId, uids, [parsed], change.unchangedSince);
  });
}

/** Copies the messages into `targetFolderId` (same mailbox), new UIDs there. */
export async function copyMessages(
  deps: CoreDeps,
  folderId: string,
  uids: readonly number[],
  targetFolderId: string,
): Promise<UidMapping> {
  return deps.db.transaction().execute(async (trx) => {
    const target = await lockPair(trx, folderId, targetFolderId);
    return { uidValidity: Number(target.uid_validity), pairs: await copyIn(trx, folderId, uids, targetFolderId) };
  });
}

/**
 * Moves the messages (RFC 6851: copy, then expunge from the source, atomically). Each moved row
 * keeps its message id and content and gets a new UID and modseq in the target, so what the REST
 * API names a message by survives a move; to IMAP it is an expunge here and a new message there.
 */
export async function moveMessages(
  deps: CoreDeps,
  folderId: string,
  uids: readonly number[],
  targetFolderId: string,
): Promise<UidMapping> {
  return deps.db.transaction().execute(async (trx) => {
    const target = await lockPair(trx, folderId, targetFolderId);
    return { uidValidity: Number(target.uid_validity), pairs: await moveIn(trx, folderId, uids, targetFolderId) };
  });
}

/** Removes messages flagged \Deleted (only those in `uids` when given); the UIDs removed. */
export async function expungeMessages(deps: CoreDeps, folderId: string, uids?: readonly number[]): Promise<number[]> {
  return deps.db.transaction().execute(async (trx) => {
    await lockFolder(trx, folderId);
    return (await removeIn(trx, folderId, { deletedOnly: true, uids })).uids;
  });
}

/**
 * Deletes the tenant's messages with these ids, whatever their flags (REST DELETE, POP3 DELE at
 * QUIT): one transaction, each folder's modseq raised and its watchers told. The ids deleted.
 */
export async function deleteMessagesByIds(deps: CoreDeps, tenantId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return deps.db.transaction().execute(async (trx) => {
    const folderIds = await trx
      .selectFrom("messages")
      .select("folder_id")
      .distinct()
      .where("tenant_id", "=", tenantId)
      .where("id", "in", [...ids])
      .execute();
    if (folderIds.length === 0) return [];
    await lockFolders(
      trx,
      folderIds.map((f) => f.folder_id),
    );
    const deleted: string[] = [];
    for (const { folder_id } of folderIds) {
      deleted.push(...(await removeIn(trx, folder_id, { ids, tenantId })).ids);
    }
    return deleted;
  });
}

/** Stores `raw` in the folder (IMAP APPEND, the Sent copy); its UID and the folder's UIDVALIDITY. */
export async function appendMessage(
  deps: CoreDeps,
  folderId: string,
  raw: Buffer,
  options: { flags?: Flag[]; internalDate?: Date },
): Promise<{ uid: number; uidValidity: number; messageId: string }> {
  const max = deps.config.smtp.maxMessageBytes;
  if (raw.length > max) {
    throw new MailroomError("MESSAGE_TOO_LARGE", `The message is ${raw.length} bytes; this server stores at most ${max} bytes`);
  }
  const flags = storedFlags(parseFlags(options.flags ?? []));
  const folder = await deps.db
    .selectFrom("folders as f")
    .innerJoin("mailboxes as m", "m.id", "f.mailbox_id")
    .select(["f.id", "f.tenant_id", "f.mailbox_id", "m.address", "m.domain_id"])
    .where("f.id", "=", folderId)
    .executeTakeFirst();
  if (!folder) throw folderNotFound(folderId);
  const message: IncomingMessage = {
    id: newId("message"),
    raw,
    envelopeFrom: null,
    recipients: [
      {
        address: folder.address,
        mailboxId: folder.mailbox_id,
        tenantId: folder.tenant_id,
        domainId: folder.domain_id,
        folderId: folder.id,
      },
    ],
    parsed: await parseMessage(raw),
    auth: NOT_CHECKED,
    received: false,
    flags,
    receivedAt: options.internalDate,
  };
  const rows = messageRows([message]);
  const messageId = rows.stored[0]!.copies[0]!.id;
  return deps.db.transaction().execute(async (trx) => {
    await insertMessagesAndNotify(trx, rows.contents, rows.copies);
    const stored = await trx
      .selectFrom("messages as m")
      .innerJoin("folders as f", "f.id", "m.folder_id")
      .select(["m.uid", "f.uid_validity"])
      .where("m.id", "=", messageId)
      .executeTakeFirstOrThrow();
    return { uid: Number(stored.uid), uidValidity: Number(stored.uid_validity), messageId };
  });
}

/** The verdicts of a message nobody checked: it did not come over SMTP (APPEND, our own Sent copy). */
export const NOT_CHECKED: AuthResults = {
  spf: { result: "none", domain: null },
  dkim: [],
  dmarc: { result: "none", policy: null, domain: null },
  arc: { result: "none" },
  header: "",
};

export interface MessagePatch {
  /** Applied in order, to the message where it is. */
  flags?: { mode: "add" | "remove"; flags: Flag[] }[];
  /** Then moved to this folder of its mailbox (by name; INBOX in any case). */
  folder?: string | undefined;
}

/**
 * One message's flags and folder, changed in one transaction (the REST PATCH /messages/{id}).
 * MESSAGE_NOT_FOUND, FOLDER_NOT_FOUND or FLAG_INVALID otherwise; nothing changes then.
 */
export async function patchMessage(deps: CoreDeps, tenantId: string, messageId: string, patch: MessagePatch): Promise<void> {
  const changes = (patch.flags ?? []).map((c) => ({ mode: c.mode, set: parseFlags(c.flags) }));
  const located = await locateMessage(deps.db, tenantId, messageId);
  if (!located) throw messageNotFound(messageId);
  const target =
    patch.folder === undefined
      ? undefined
      : await findFolderByName(deps.db, located.mailbox_id, canonicalFolderName(patch.folder));
  if (patch.folder !== undefined && !target) {
    throw new MailroomError("FOLDER_NOT_FOUND", `The mailbox has no folder ${JSON.stringify(patch.folder)}`);
  }
  await deps.db.transaction().execute(async (trx) => {
    // Locks first, then the row again: it may have moved or gone before the lock was ours.
    await lockFolders(trx, target ? [located.folder_id, target.id] : [located.folder_id]);
    const row = await locateMessage(trx, tenantId, messageId);
    if (!row || row.folder_id !== located.folder_id) throw messageNotFound(messageId);
    const uid = Number(row.uid);
    if (changes.length > 0) await storeFlagsIn(trx, row.folder_id, [uid], changes);
    if (target && target.id !== row.folder_id) await moveIn(trx, row.folder_id, [uid], target.id);
  });
}

// ─── Inside a transaction that holds the folders' locks ──────────────────────────────────────

/** Every message of a folder into another (renaming INBOX); the caller's transaction holds both locks. */
export async function moveFolderContents(trx: Executor, folderId: string, targetId: string): Promise<number> {
  const rows = await trx.selectFrom("messages").select("uid").where("folder_id", "=", folderId).execute();
  return (
    await moveIn(
      trx,
      folderId,
      rows.map((r) => Number(r.uid)),
      targetId,
    )
  ).length;
}

interface ParsedChange {
  mode: FlagChange["mode"];
  set: FlagSet;
}

async function storeFlagsIn(
  trx: Executor,
  folderId: string,
  uids: readonly number[],
  changes: ParsedChange[],
  unchangedSince?: number,
): Promise<{ changed: FlagState[]; failedUnchangedSince: number[] }> {
  const rows = await trx
    .selectFrom("messages")
    .select(["id", "uid", "modseq", "seen", "answered", "flagged", "deleted", "draft", "keywords"])
    .where("folder_id", "=", folderId)
    .where(sql<boolean>`uid = any(${uidArray(uids)}::bigint[])`)
    .orderBy("uid")
    .execute();
  const failedUnchangedSince: number[] = [];
  const updates: { id: string; uid: number; next: StoredFlags }[] = [];
  for (const row of rows) {
    if (unchangedSince !== undefined && Number(row.modseq) > unchangedSince) {
      failedUnchangedSince.push(Number(row.uid));
      continue;
    }
    const state: StoredFlags = { ...row, keywords: row.keywords };
    const next = changes.reduce((s, c) => applyFlags(s, c.mode, c.set), state);
    if (!sameFlags(state, next)) updates.push({ id: row.id, uid: Number(row.uid), next });
  }
  if (updates.length === 0) return { changed: [], failedUnchangedSince };

  const modseq = await raiseModseq(trx, folderId);
  const json = JSON.stringify(updates.map((u) => ({ id: u.id, ...u.next })));
  await sql`
    update messages m set seen = r.seen, answered = r.answered, flagged = r.flagged, deleted = r.deleted,
      draft = r.draft, keywords = r.keywords, modseq = ${modseq}
    from jsonb_to_recordset(${json}::jsonb) as r(id text, seen boolean, answered boolean, flagged boolean,
      deleted boolean, draft boolean, keywords jsonb)
    where m.id = r.id and m.folder_id = ${folderId}`.execute(trx);
  await notifyFolders(trx, [folderId]);
  return { changed: updates.map((u) => ({ uid: u.uid, flags: flagsOf(u.next), modseq })), failedUnchangedSince };
}

/** The rows with these UIDs, ascending: what copy and move take, in the order RFC 4315 maps them. */
async function rowsByUid(trx: Executor, folderId: string, uids: readonly number[]) {
  const rows = await trx
    .selectFrom("messages")
    .select(["id", "uid"])
    .where("folder_id", "=", folderId)
    .where(sql<boolean>`uid = any(${uidArray(uids)}::bigint[])`)
    .orderBy("uid")
    .execute();
  return rows.map((r) => ({ id: r.id, uid: Number(r.uid) }));
}

/** New rows in the target sharing each message's content (no bytes copied); flags and INTERNALDATE kept. */
async function copyIn(trx: Executor, folderId: string, uids: readonly number[], targetId: string): Promise<[number, number][]> {
  const rows = await rowsByUid(trx, folderId, uids);
  if (rows.length === 0) return [];
  const { firstUid, modseq } = (await allocateUids(trx, targetId, rows.length))!;
  const newUids = rows.map((_, i) => firstUid + i);
  await sql`
    insert into messages (id, tenant_id, mailbox_id, content_id, rcpt_to, to_tag, sent_message_id, from_address, from_name,
      to_addresses, subject, sent_at, preview, size, has_attachments, seen, received_at, folder_id, uid, modseq,
      answered, flagged, deleted, draft, keywords)
    select p.new_id, m.tenant_id, m.mailbox_id, m.content_id, m.rcpt_to, m.to_tag, m.sent_message_id, m.from_address,
      m.from_name, m.to_addresses, m.subject, m.sent_at, m.preview, m.size, m.has_attachments, m.seen, m.received_at,
      ${targetId}, p.new_uid, ${modseq}, m.answered, m.flagged, m.deleted, m.draft, m.keywords
    from unnest(${rows.map((r) => r.id)}::text[], ${rows.map(() => newId("message"))}::text[], ${newUids.map(String)}::bigint[])
      as p(source_id, new_id, new_uid)
    join messages m on m.id = p.source_id`.execute(trx);
  await notifyFolders(trx, [targetId]);
  return rows.map((r, i) => [r.uid, newUids[i]!]);
}

/** The rows change folder: new UIDs and modseq in the target, an expunge (modseq raised) in the source. */
async function moveIn(trx: Executor, folderId: string, uids: readonly number[], targetId: string): Promise<[number, number][]> {
  const rows = await rowsByUid(trx, folderId, uids);
  if (rows.length === 0) return [];
  const { firstUid, modseq } = (await allocateUids(trx, targetId, rows.length))!;
  const newUids = rows.map((_, i) => firstUid + i);
  await sql`
    update messages m set folder_id = ${targetId}, uid = p.new_uid, modseq = ${modseq}
    from unnest(${rows.map((r) => r.id)}::text[], ${newUids.map(String)}::bigint[]) as p(id, new_uid)
    where m.id = p.id`.execute(trx);
  if (folderId !== targetId) await raiseModseq(trx, folderId);
  await notifyFolders(trx, [folderId, targetId]);
  return rows.map((r, i) => [r.uid, newUids[i]!]);
}

/** Deletes rows of the folder (and the contents no other copy refers to); raises its modseq when any went. */
async function removeIn(
  trx: Executor,
  folderId: string,
  which: { deletedOnly?: boolean; uids?: readonly number[] | undefined; ids?: readonly string[]; tenantId?: string },
): Promise<{ uids: number[]; ids: string[] }> {
  let query = trx.deleteFrom("messages").where("folder_id", "=", folderId);
  if (which.deletedOnly) query = query.where("deleted", "=", true);
  if (which.uids !== undefined) query = query.where(sql<boolean>`uid = any(${uidArray(which.uids)}::bigint[])`);
  if (which.ids !== undefined) query = query.where("id", "in", [...which.ids]);
  if (which.tenantId !== undefined) query = query.where("tenant_id", "=", which.tenantId);
  const gone = await query.returning(["id", "uid", "content_id"]).execute();
  const removed = { uids: gone.map((r) => Number(r.uid)).sort((a, b) => a - b), ids: gone.map((r) => r.id) };
  if (gone.length === 0) return removed;
  await deleteContentsIfUnreferenced(
    trx,
    gone.map((r) => r.content_id),
  );
  await raiseModseq(trx, folderId);
  await notifyFolders(trx, [folderId]);
  return removed;
}

// ─── Small pieces ────────────────────────────────────────────────────────────────────────────

async function lockFolder(trx: Executor, folderId: string): Promise<FolderRow> {
  const [folder] = await lockFolders(trx, [folderId]);
  if (!folder) throw folderNotFound(folderId);
  return folder;
}

/** Both folders locked; they must exist and belong to one mailbox. The target's row. */
async function lockPair(trx: Executor, folderId: string, targetId: string): Promise<FolderRow> {
  const locked = await lockFolders(trx, [folderId, targetId]);
  const source = locked.find((f) => f.id === folderId);
  const target = locked.find((f) => f.id === targetId);
  if (!source) throw folderNotFound(folderId);
  if (!target || target.mailbox_id !== source.mailbox_id) throw folderNotFound(targetId);
  return target;
}

async function raiseModseq(trx: Executor, folderId: string): Promise<number> {
  const row = await sql<{ modseq: string }>`
    update folders set highest_modseq = highest_modseq + 1 where id = ${folderId} returning highest_modseq::text as modseq`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!row) throw folderNotFound(folderId);
  return Number(row.modseq);
}

/** NOTIFY inside the transaction: PostgreSQL delivers it at commit, and never on rollback. */
async function notifyFolders(trx: Executor, folderIds: string[]): Promise<void> {
  await sql`select pg_notify(${FOLDER_CHANGES_CHANNEL}, id) from unnest(${[...new Set(folderIds)]}::text[]) as id`.execute(trx);
}

async function locateMessage(executor: Executor, tenantId: string, messageId: string) {
  return executor
    .selectFrom("messages")
    .select(["id", "folder_id", "mailbox_id", "uid"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", messageId)
    .executeTakeFirst();
}

/** UIDs as text for a bigint[] parameter: a JS number array would reach PGlite as float8 values. */
function uidArray(uids: readonly number[]): string[] {
  return uids.filter((u) => Number.isSafeInteger(u) && u > 0).map(String);
}

function folderNotFound(folderId: string): MailroomError {
  return new MailroomError("FOLDER_NOT_FOUND", `Folder ${folderId} not found`);
}

function messageNotFound(id: string): MailroomError {
  return new MailroomError("MESSAGE_NOT_FOUND", `Message ${id} not found`);
}
