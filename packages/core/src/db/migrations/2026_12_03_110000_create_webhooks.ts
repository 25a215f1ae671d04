import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text")
    // JSON arrays: ["*"] or event types; mailbox and domain ids (empty = no filter).
    .addColumn("event_types", "jsonb", (c) => c.notNull())
    .addColumn("mailbox_ids", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("domain_ids", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("disabled_reason", "text")
    .addColumn("disabled_at", "timestamptz")
    // Signing secrets, encrypted (AES-256-GCM); the previous one signs too until previous_secret_until.
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("previous_secret_sealed", "text")
    .addColumn("previous_secret_until", "timestamptz")
    // The first failure with no success since (null while the endpoint answers): three days of it disable it.
    .addColumn("failing_since", "timestamptz")
    // A worker's claim of the whole endpoint: one process sends to one endpoint at a time, in order.
    .addColumn("locked_until", "timestamptz")
    .addColumn("lease_token", "text")
    .addColumn("claimed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("webhook_endpoints_tenant_idx").on("webhook_endpoints").columns(["tenant_id", "id"]).execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    .addColumn("tenant_id", "text", (c) => c.notNull())
    // No foreign key: the log is pruned; a delivery whose event is gone fails.
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    // The event's place in the log: an endpoint gets its events in this order.
    .addColumn("event_txid", "bigint", (c) => c.notNull())
    .addColumn("event_seq", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz")
    .addColumn("last_http_status", "integer")
    .addColumn("last_duration_ms", "integer")
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A worker's scan: an endpoint's pending deliveries in event order.
  await sql`create index webhook_deliveries_pending_idx on webhook_deliveries (endpoint_id, event_txid, event_seq)
    where status = 'pending'`.execute(db);
  // Claims: which endpoints have a delivery due.
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (endpoint_id, next_attempt_at)
    where status = 'pending'`.execute(db);
  // Pruning finished deliveries by age.
  await sql`create index webhook_deliveries_finished_idx on webhook_deliveries (updated_at)
    where status <> 'pending'`.execute(db);
  // The deliveries list: an endpoint's, newest first.
  await db.schema
    .createIndex("webhook_deliveries_endpoint_idx")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "id"])
    .execute();

  await db.schema
    .createTable("webhook_attempts")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("delivery_id", "text", (c) => c.notNull().references("webhook_deliveries.id").onDelete("cascade"))
    .addColumn("attempted_at", "timestamptz", (c) => c.notNull())
    .addColumn("http_status", "integer")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("webhook_attempts_delivery_idx").on("webhook_attempts").columns(["delivery_id", "id"]).execute();

  // How far the dispatcher has turned the event log into deliveries: one row, locked by the one
  // dispatcher at work, moved in the transaction that inserts the deliveries.
  await db.schema
    .createTable("webhook_dispatch_cursor")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("txid", "bigint", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto("webhook_dispatch_cursor").values({ id: "events", txid: 0, seq: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_dispatch_cursor").execute();
  await db.schema.dropTable("webhook_attempts").execute();
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_endpoints").execute();
}
