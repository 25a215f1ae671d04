import { sql, type Compilable } from "kysely";
import type { Executor } from "../db/database.js";
import { NEW_MAIL_CHANNEL } from "./new-mail-signal.js";
import type { MessageRow, NewMessageContentRow, NewMessageRow } from "./message.table.js";

/**
 * Contents, their copies and a NOTIFY per copy in ONE statement (data-modifying CTEs): one round
 * trip and all or nothing, whether on its own or inside a caller's transaction. `alongside` are
 * other inserts that belong with them (a send's own rows), run as CTEs of the same statement.
 * Listeners hear of a copy only once the statement's transaction has committed.
 */
export async function insertMessagesAndNotify(
  executor: Executor,
  contents: NewMessageContentRow[],
  copies: NewMessageRow[],
  alongside: Compilable[] = [],
): Promise<void> {
  const inserts: Compilable[] = [
    ...alongside,
    ...(contents.length > 0 ? [executor.insertInto("message_contents").values(contents)] : []),
    ...(copies.length > 0 ? [executor.insertInto("messages").values(copies)] : []),
  ];
  if (inserts.length === 0) return;
  const payloads = copies.map((c) => `${c.mailbox_id}:${c.id}`);
  const ctes = sql.join(inserts.map((insert, i) => sql`${sql.ref(`insert_${i}`)} as (${insert})`));
  await sql`with ${ctes} select pg_notify(${NEW_MAIL_CHANNEL}, payload) from unnest(${payloads}::text[]) as payload`.execute(
    executor,
  );
}

export interface InboxQuery {
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
  unreadOnly?: boolean | undefined;
  since?: Date | undefined;
}

/** Newest first: ids are time-ordered, so `id < cursor` pages stably while mail keeps arriving. */
export async function listMailboxMessages(
  db: Executor,
  tenantId: string,
  mailboxId: string,
  query: InboxQuery,
): Promise<MessageRow[]> {
  let q = db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).where("tenant_id", "=", tenantId);
  if (query.cursor !== undefined) q = q.where("id", "<", query.cursor);
  if (query.unreadOnly) q = q.where("seen", "=", false);
  if (query.since !== undefined) q = q.where("received_at", ">=", query.since);
  return q.orderBy("id", "desc").limit(query.limit).execute();
}

/** The temp-mail-style API's numbered pages. */
export async function pageMailboxMessages(
  db: Executor,
  mailboxId: string,
  offset: number,
  limit: number,
): Promise<{ rows: MessageRow[]; total: number }> {
  const rows = await db
    .selectFrom("messages")
    .selectAll()
    .where("mailbox_id", "=", mailboxId)
    .orderBy("id", "desc")
    .offset(offset)
    .limit(limit)
    .execute();
  const count = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("mailbox_id", "=", mailboxId)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.n) };
}

export async function findTenantMessage(db: Executor, tenantId: string, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom("messages").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
}

/** Everything but the raw bytes. */
export async function findMessageContent(db: Executor, contentId: string) {
  return db
    .selectFrom("message_contents")
    .select([
      "id",
      "size",
      "envelope_from",
      "headers",
      "cc",
      "reply_to",
      "message_id",
      "in_reply_to",
      "text_body",
      "html_body",
      "attachments",
      "auth_results",
    ])
    .where("id", "=", contentId)
    .executeTakeFirst();
}

export async function findRawContent(db: Executor, contentId: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom("message_contents").select("raw").where("id", "=", contentId).executeTakeFirst();
  return row?.raw;
}

export async function setMessageSeen(db: Executor, tenantId: string, id: string, seen: boolean): Promise<MessageRow | undefined> {
  return db
    .updateTable("messages")
    .set({ seen })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTenantMessage(trx: Executor, tenantId: string, id: string): Promise<MessageRow | undefined> {
  return trx.deleteFrom("messages").where("tenant_id", "=", tenantId).where("id", "=", id).returningAll().executeTakeFirst();
}

const unreferenced = sql<boolean>`not exists (select 1 from messages m where m.content_id = message_contents.id)`;

/** Drop a content row once no copy refers to it any more. */
export async function deleteContentIfUnreferenced(trx: Executor, contentId: string): Promise<void> {
  await trx.deleteFrom("message_contents").where("id", "=", contentId).where(unreferenced).execute();
}

/** Contents whose copies all went with their mailboxes (cascades cannot reach them); in batches. */
export async function deleteUnreferencedContents(db: Executor, batch: number): Promise<number> {
  const result = await db
    .deleteFrom("message_contents")
    .where(
      "id",
      "in",
      db
        .selectFrom("message_contents")
        .select("id")
        .where(unreferenced)
        // A content row is inserted just before its copies in one transaction; never race it.
        .where("created_at", "<", sql<Date>`now() - interval '1 minute'`)
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}

export interface WaitFilters {
  /** Part of the subject, case-insensitive. */
  subject?: string | undefined;
  /** Part of the sender's address, case-insensitive. */
  from?: string | undefined;
}

function matching(db: Executor, mailboxId: string, filters: WaitFilters) {
  let q = db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId);
  // strpos rather than LIKE: no wildcards in user input to escape.
  if (filters.subject !== undefined) q = q.where(sql<boolean>`strpos(lower(subject), lower(${filters.subject})) > 0`);
  if (filters.from !== undefined) q = q.where(sql<boolean>`strpos(lower(from_address), lower(${filters.from})) > 0`);
  return q;
}

/** The message `id` if it is in the mailbox and matches. */
export async function findMatchingMessage(
  db: Executor,
  mailboxId: string,
  id: string,
  filters: WaitFilters,
): Promise<MessageRow | undefined> {
  return matching(db, mailboxId, filters).where("id", "=", id).executeTakeFirst();
}

/** The oldest matching message received at or after `since`. */
export async function findFirstMatchingSince(
  db: Executor,
  mailboxId: string,
  since: Date,
  filters: WaitFilters,
): Promise<MessageRow | undefined> {
  return matching(db, mailboxId, filters).where("received_at", ">=", since).orderBy("id", "asc").limit(1).executeTakeFirst();
}
