import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per message as received: the bytes and everything parsed from them. Shared by the
  // copies for each recipient mailbox, so a message to 100 of our addresses is stored once.
  await db.schema
    .createTable("message_contents")
    .addColumn("id", "text", (c) => c.primaryKey())
    // Exactly the bytes served as message/rfc822: our added headers, then the message as received.
    .addColumn("raw", "bytea", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("envelope_from", "text")
    .addColumn("headers", "jsonb", (c) => c.notNull())
    .addColumn("cc", "jsonb", (c) => c.notNull())
    .addColumn("reply_to", "jsonb", (c) => c.notNull())
    .addColumn("message_id", "text")
    .addColumn("in_reply_to", "text")
    .addColumn("text_body", "text")
    .addColumn("html_body", "text")
    .addColumn("attachments", "jsonb", (c) => c.notNull())
    .addColumn("auth_results", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // One row per recipient mailbox: what a list needs, and the per-mailbox state (seen).
  await db.schema
    .createTable("messages")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    // A deleted (or purged) mailbox takes its mail with it.
    .addColumn("mailbox_id", "text", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
    .addColumn("content_id", "text", (c) => c.notNull().references("message_contents.id"))
    .addColumn("rcpt_to", "text", (c) => c.notNull())
    .addColumn("from_address", "text", (c) => c.notNull())
    .addColumn("from_name", "text")
    .addColumn("to_addresses", "jsonb", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz")
    .addColumn("preview", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("has_attachments", "boolean", (c) => c.notNull())
    .addColumn("seen", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("messages_mailbox_idx").on("messages").columns(["mailbox_id", "id"]).execute();
  await db.schema.createIndex("messages_tenant_idx").on("messages").columns(["tenant_id", "id"]).execute();
  await db.schema.createIndex("messages_content_idx").on("messages").column("content_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("messages").execute();
  await db.schema.dropTable("message_contents").execute();
}
