import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // The event log (an outbox): each row is written by the statement or transaction that makes the
  // change it reports. Readers order rows by (txid, seq) and read only rows whose transaction is
  // older than every transaction still running, so a reader that moves its position forward can
  // never skip a row that commits later (sequence numbers alone commit out of order).
  await db.schema
    .createTable("events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigserial", (c) => c.notNull())
    .addColumn("txid", "bigint", (c) => c.notNull().defaultTo(sql`pg_current_xact_id()::text::bigint`))
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    // What webhook filters and the stream's mailbox filter match on; no foreign keys, an event
    // outlives the mailbox or domain it tells of.
    .addColumn("mailbox_id", "text")
    .addColumn("domain_id", "text")
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("events_position_idx").on("events").columns(["txid", "seq"]).execute();
  await db.schema.createIndex("events_tenant_position_idx").on("events").columns(["tenant_id", "txid", "seq"]).execute();
  await db.schema.createIndex("events_created_idx").on("events").column("created_at").execute();

  // One wake-up per inserting statement, however many rows: tailers then read from their position.
  await sql`
    create function mailroom_events_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('mailroom_events', '');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger events_notify after insert on events
    for each statement execute function mailroom_events_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("events").execute();
  await sql`drop function if exists mailroom_events_notify()`.execute(db);
}
