import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("domains")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    // Lower-case ASCII (IDNs as punycode).
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending_verification', 'active', 'failed')`))
    .addColumn("verification_token", "text", (c) => c.notNull())
    .addColumn("dkim_selector", "text", (c) => c.notNull())
    .addColumn("dkim_private_key", "text", (c) => c.notNull())
    .addColumn("dkim_public_key", "text", (c) => c.notNull())
    .addColumn("require_dkim", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("verified_at", "timestamptz")
    .addColumn("checked_at", "timestamptz")
    .addColumn("next_check_at", "timestamptz")
    .addColumn("failure_reason", "text")
    .addColumn("last_check", "jsonb")
    .addUniqueConstraint("domains_tenant_name_unique", ["tenant_id", "name"])
    .execute();
  await db.schema.createIndex("domains_tenant_idx").on("domains").columns(["tenant_id", "id"]).execute();
  // One owner per verified name: a pending claim never blocks, a verified one does.
  await db.schema
    .createIndex("domains_verified_name_unique")
    .on("domains")
    .column("name")
    .unique()
    .where(sql.ref("verified_at"), "is not", null)
    .execute();
  await db.schema.createIndex("domains_next_check_idx").on("domains").column("next_check_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("domains").execute();
}
