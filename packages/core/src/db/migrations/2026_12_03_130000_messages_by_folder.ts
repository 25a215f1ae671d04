import type { Kysely } from "kysely";

// Frozen in time: imports only kysely.

/**
 * Lists are of one folder now, newest first (`folder_id = ? order by id desc`): without this the
 * Sent folder's page would walk the whole mailbox's index past every INBOX message.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("messages_folder_id_idx").on("messages").columns(["folder_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("messages_folder_id_idx").execute();
}
