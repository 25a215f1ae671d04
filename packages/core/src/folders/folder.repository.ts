import { sql } from "kysely";
import type { Executor } from "../db/database.js";
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
