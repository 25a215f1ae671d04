import type { Kysely } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // A hosted recipient's copy of a message sent from this server names the sent message, and the
  // recipient's delivery row names the copy: a client that sends and then reads can relate the two.
  // No foreign keys: a copy the recipient deletes must not touch the sender's record (nor the
  // reverse), and a dangling id answers 404 like any deleted message.
  await db.schema.alterTable("messages").addColumn("sent_message_id", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("copy_message_id", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("deliveries").dropColumn("copy_message_id").execute();
  await db.schema.alterTable("messages").dropColumn("sent_message_id").execute();
}
