import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per message sent (API or submission): the signed bytes exactly as they go out.
  await db.schema
    .createTable("outbound_messages")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("from_address", "text", (c) => c.notNull())
    // The hosted mailbox that sent it, when it is one: its bounce notices go there.
    .addColumn("sender_mailbox_id", "text", (c) => c.references("mailboxes.id").onDelete("set null"))
    .addColumn("to_addresses", "jsonb", (c) => c.notNull())
    .addColumn("cc_addresses", "jsonb", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("message_id_header", "text", (c) => c.notNull())
    .addColumn("raw", "bytea", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("tags", "jsonb", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('api', 'submission', 'system')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("outbound_messages_tenant_idx").on("outbound_messages").columns(["tenant_id", "id"]).execute();

  // The queue: one row per recipient. Claimed with FOR UPDATE SKIP LOCKED under a lease
  // (locked_until), so many workers share it and a dead worker's claim runs out and is retried.
  await db.schema
    .createTable("deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("message_id", "text", (c) => c.notNull().references("outbound_messages.id").onDelete("cascade"))
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("recipient", "text", (c) => c.notNull())
    // Set for a recipient hosted here (delivered into that mailbox at send time).
    .addColumn("mailbox_id", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'deferred', 'bounced', 'failed')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz")
    .addColumn("locked_until", "timestamptz")
    // Which claim holds the row: a worker whose lease ran out cannot overwrite the next one's result.
    .addColumn("lease_token", "text")
    .addColumn("last_response", "text")
    .addColumn("deliver_by", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("deliveries_message_idx").on("deliveries").columns(["message_id", "id"]).execute();
  await db.schema
    .createIndex("deliveries_due_idx")
    .on("deliveries")
    .column("next_attempt_at")
    .where(sql<boolean>`status in ('queued', 'deferred')`)
    .execute();
  await db.schema
    .createIndex("deliveries_lease_idx")
    .on("deliveries")
    .column("locked_until")
    .where(sql<boolean>`status = 'sending'`)
    .execute();

  // Idempotency-Key: the first response to a key, kept 24 h.
  await db.schema
    .createTable("idempotency_keys")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("response", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("idempotency_keys_pkey", ["tenant_id", "key"])
    .execute();
  await db.schema.createIndex("idempotency_keys_created_idx").on("idempotency_keys").column("created_at").execute();

  // Keys the server itself signs with: the DKIM key of the system domains.
  await db.schema
    .createTable("server_keys")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("selector", "text", (c) => c.notNull())
    .addColumn("private_key", "text", (c) => c.notNull())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("server_keys").execute();
  await db.schema.dropTable("idempotency_keys").execute();
  await db.schema.dropTable("deliveries").execute();
  await db.schema.dropTable("outbound_messages").execute();
}
