import { MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import { isUniqueViolation } from "../db/errors.js";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { findTenantMailbox } from "../mailboxes/mailbox.repository.js";
import { FOLDER_CHANGES_CHANNEL } from "./folder-changes.js";
import { moveFolderContents } from "./folder-messages.js";
import { canonicalFolderName, checkFolderName, isWithin } from "./folder-name.js";
import {
  countFolderMessages,
  deleteFolderAndMessages,
  existingFolderNames,
  type FolderCounts,
  findFolderByName,
  findSentFolderId,
  findTenantFolder,
  insertFolder,
  listFoldersWithCounts,
  lockFolderTree,
  lockFolders,
  renameFolderRow,
  setFolderSubscribed,
} from "./folder.repository.js";
import type { FolderRow } from "./folder.table.js";
import { INBOX } from "./standard-folders.js";

/*
 * A mailbox's folders: what the REST folder routes and IMAP's LIST, CREATE, RENAME, DELETE and
 * (UN)SUBSCRIBE share. Names are full paths with "/" between levels; INBOX is case-insensitive.
 * Every folder may be deleted except INBOX, special-use ones included (IMAP clients do it); a
 * send from a mailbox without a \Sent folder makes a new "Sent" (ensureSentFolder).
 */

const FOLDER_NAME_UNIQUE = "folders_mailbox_name_key";

export interface Folder {
  id: string;
  tenantId: string;
  mailboxId: string;
  name: string;
  /** RFC 6154: \Sent, \Drafts, \Trash, \Junk, \Archive; null otherwise. */
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
  createdAt: Date;
}

export type FolderWithCounts = Folder & FolderCounts;

export function toFolder(row: FolderRow): Folder {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mailboxId: row.mailbox_id,
    name: row.name,
    specialUse: row.special_use,
    uidValidity: Number(row.uid_validity),
    uidNext: Number(row.uid_next),
    highestModseq: Number(row.highest_modseq),
    subscribed: row.subscribed,
    createdAt: row.created_at,
  };
}

const mailboxNotFound = (id: string) => new MailroomError("MAILBOX_NOT_FOUND", `Mailbox ${id} not found`);
const folderNotFound = (id: string) => new MailroomError("FOLDER_NOT_FOUND", `Folder ${id} not found`);
const folderExists = (name: string) =>
  new MailroomError("FOLDER_EXISTS", `A folder named ${JSON.stringify(name)} already exists in this mailbox`);

/** The mailbox's folders, INBOX first, with message counts (one grouped query). */
export async function listFolders(deps: CoreDeps, tenantId: string, mailboxId: string): Promise<FolderWithCounts[]> {
  const rows = await listFoldersWithCounts(deps.db, tenantId, mailboxId);
  // Every mailbox has its INBOX: no rows means no mailbox of this tenant.
  if (rows.length === 0) throw mailboxNotFound(mailboxId);
  return rows.map((r) => ({ ...toFolder(r), total: Number(r.total), unseen: Number(r.unseen) }));
}

/** A folder of the mailbox by name (INBOX in any case), or undefined. */
export async function findFolder(deps: CoreDeps, mailboxId: string, name: string): Promise<Folder | undefined> {
  const row = await findFolderByName(deps.db, mailboxId, canonicalFolderName(name));
  return row ? toFolder(row) : undefined;
}

/** A folder's state and counts now (IMAP SELECT and STATUS), or undefined when it is gone. */
export async function getFolderStatus(deps: CoreDeps, folderId: string): Promise<FolderWithCounts | undefined> {
  const row = await deps.db.selectFrom("folders").selectAll().where("id", "=", folderId).executeTakeFirst();
  if (!row) return undefined;
  return { ...toFolder(row), ...(await countFolderMessages(deps.db, folderId)) };
}

/** The folder by name for a REST caller: FOLDER_NOT_FOUND when the mailbox has none (404 for another tenant's mailbox). */
export async function requireFolderByName(deps: CoreDeps, tenantId: string, mailboxId: string, name: string): Promise<Folder> {
  const canonical = canonicalFolderName(name);
  if (canonical === INBOX) {
    // Derived, no look-up; the mailbox must still be the tenant's.
    if (!(await findTenantMailbox(deps.db, tenantId, mailboxId))) throw mailboxNotFound(mailboxId);
  }
  const row = await findFolderByName(deps.db, mailboxId, canonical);
  if (!row || row.tenant_id !== tenantId) {
    if (!(await findTenantMailbox(deps.db, tenantId, mailboxId))) throw mailboxNotFound(mailboxId);
    throw new MailroomError("FOLDER_NOT_FOUND", `The mailbox has no folder ${JSON.stringify(name)}`);
  }
  return toFolder(row);
}

export async function createFolder(deps: CoreDeps, tenantId: string, mailboxId: string, name: string): Promise<FolderWithCounts> {
  const canonical = checkFolderName(name);
  if (canonical === INBOX) throw folderExists(INBOX);
  const mailbox = await findTenantMailbox(deps.db, tenantId, mailboxId);
  if (!mailbox) throw mailboxNotFound(mailboxId);
  const row = await insertFolder(deps.db, {
    id: newId("folder"),
    tenant_id: tenantId,
    mailbox_id: mailboxId,
    name: canonical,
    special_use: null,
  });
  if (!row) throw folderExists(canonical);
  deps.logger.info({ tenantId, mailboxId, folderId: row.id }, "folder created");
  return { ...toFolder(row), total: 0, unseen: 0 };
}

/**
 * Renames a folder and everything below it (`a` → `b` takes `a/x` to `b/x`); each keeps its id,
 * UIDVALIDITY and messages. Renaming INBOX (RFC 3501 6.3.5) makes a new folder of that name and
 * moves INBOX's messages into it, leaving INBOX empty and its subfolders where they are.
 */
export async function renameFolder(
  deps: CoreDeps,
  tenantId: string,
  mailboxId: string,
  folderId: string,
  newName: string,
): Promise<Folder> {
  const target = checkFolderName(newName);
  try {
    const renamed = await deps.db.transaction().execute(async (trx) => {
      const folder = await findTenantFolder(trx, tenantId, mailboxId, folderId, { lock: true });
      if (!folder) throw await notFound(trx, tenantId, mailboxId, folderId);
      if (target === folder.name) return folder;
      if (target === INBOX) throw folderExists(INBOX);
      return folder.name === INBOX ? renameInbox(trx, folder, target) : renameTree(trx, folder, target);
    });
    deps.logger.info({ tenantId, mailboxId, folderId, renamedTo: renamed.id }, "folder renamed");
    return toFolder(renamed);
  } catch (err) {
    if (isUniqueViolation(err, FOLDER_NAME_UNIQUE)) throw folderExists(target);
    throw err;
  }
}

async function renameInbox(trx: Executor, inbox: FolderRow, target: string): Promise<FolderRow> {
  const created = await insertFolder(trx, {
    id: newId("folder"),
    tenant_id: inbox.tenant_id,
    mailbox_id: inbox.mailbox_id,
    name: target,
    special_use: null,
  });
  if (!created) throw folderExists(target);
  await lockFolders(trx, [inbox.id, created.id]);
  await moveFolderContents(trx, inbox.id, created.id);
  return (await trx.selectFrom("folders").selectAll().where("id", "=", created.id).executeTakeFirstOrThrow()) as FolderRow;
}

async function renameTree(trx: Executor, folder: FolderRow, target: string): Promise<FolderRow> {
  if (isWithin(target, folder.name)) {
    throw new MailroomError(
      "FOLDER_NAME_INVALID",
      `Folder ${JSON.stringify(folder.name)} cannot be moved into itself (${JSON.stringify(target)})`,
    );
  }
  const tree = await lockFolderTree(trx, folder.mailbox_id, folder.name);
  const renames = tree.map((f) => ({ id: f.id, name: target + f.name.slice(folder.name.length) }));
  const treeNames = new Set(tree.map((f) => f.name));
  const taken = (
    await existingFolderNames(
      trx,
      folder.mailbox_id,
      renames.map((r) => r.name),
    )
  ).filter((n) => !treeNames.has(n));
  if (taken.length > 0) throw folderExists(taken[0]!);
  // Two steps: a name the tree gives up may be one it takes (`a/b` → `a` makes `a/b/b` into `a/b`).
  for (const r of renames) await renameFolderRow(trx, r.id, `${r.id}:renaming`);
  for (const r of renames) await renameFolderRow(trx, r.id, r.name);
  return { ...folder, name: target };
}

/** Deletes a folder with its messages (its subfolders stay). INBOX cannot be deleted. */
export async function deleteFolder(deps: CoreDeps, tenantId: string, mailboxId: string, folderId: string): Promise<void> {
  const deleted = await deps.db.transaction().execute(async (trx) => {
    const folder = await findTenantFolder(trx, tenantId, mailboxId, folderId, { lock: true });
    if (!folder) throw await notFound(trx, tenantId, mailboxId, folderId);
    if (folder.name === INBOX) throw new MailroomError("FOLDER_NOT_DELETABLE", "INBOX cannot be deleted");
    const messages = await deleteFolderAndMessages(trx, folderId);
    // IMAP sessions that have it selected learn it is gone.
    await sql`select pg_notify(${FOLDER_CHANGES_CHANNEL}, ${folderId})`.execute(trx);
    return messages;
  });
  deps.logger.info({ tenantId, mailboxId, folderId, messages: deleted }, "folder deleted");
}

export async function setSubscribed(
  deps: CoreDeps,
  tenantId: string,
  mailboxId: string,
  folderId: string,
  subscribed: boolean,
): Promise<Folder> {
  const folder = await findTenantFolder(deps.db, tenantId, mailboxId, folderId);
  if (!folder) throw await notFound(deps.db, tenantId, mailboxId, folderId);
  await setFolderSubscribed(deps.db, folderId, subscribed);
  return toFolder({ ...folder, subscribed });
}

/**
 * The mailbox's \Sent folder, made again (as "Sent") when a client deleted it: a send from the
 * mailbox always leaves its copy there. Runs before the send's statement, outside its transaction.
 */
export async function ensureSentFolder(executor: Executor, mailbox: { id: string; tenantId: string }): Promise<string> {
  const existing = await findSentFolderId(executor, mailbox.id);
  if (existing) return existing;
  // A folder the user made called "Sent" becomes the \Sent folder rather than a "Sent 2".
  const row = await sql<{ id: string }>`
    insert into folders (id, tenant_id, mailbox_id, name, special_use)
    values (${newId("folder")}, ${mailbox.tenantId}, ${mailbox.id}, 'Sent', '\\Sent')
    on conflict (mailbox_id, name) do update set special_use = '\\Sent'
    returning id`
    .execute(executor)
    .then((r) => r.rows[0]);
  return row!.id;
}

/** Which 404: the mailbox (not the tenant's) or the folder. */
async function notFound(executor: Executor, tenantId: string, mailboxId: string, folderId: string): Promise<MailroomError> {
  return (await findTenantMailbox(executor, tenantId, mailboxId)) ? folderNotFound(folderId) : mailboxNotFound(mailboxId);
}
