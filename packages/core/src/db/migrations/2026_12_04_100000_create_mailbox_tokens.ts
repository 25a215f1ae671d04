import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely.

/**
 * Mailbox tokens (API tokens and browser sessions of one mailbox). Only the secret's hash is kept.
 * Deleting the mailbox deletes its tokens; `password_stamp` ties a token to the password it was
 * issued under, so changing the password ends every token issued before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mailbox_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("mailbox_id", "text", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("password_stamp", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("mailbox_tokens_mailbox_idx").on("mailbox_tokens").column("mailbox_id").execute();
  await db.schema.createIndex("mailbox_tokens_expires_idx").on("mailbox_tokens").column("expires_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("mailbox_tokens").execute();
}
