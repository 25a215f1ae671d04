import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mailboxes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    // Null on system domains; a tenant's own domain takes its mailboxes with it when deleted.
    .addColumn("domain_id", "text", (c) => c.references("domains.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("local_part", "text", (c) => c.notNull())
    // Lower-case, so one plain unique index makes addresses unique case-insensitively server-wide.
    .addColumn("address", "text", (c) => c.notNull().check(sql`address = lower(address)`))
    // scrypt$N$r$p$salt$hash; null for mailboxes created without one (the temp-mail-style API's).
    .addColumn("password_hash", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active").check(sql`status in ('active', 'disabled')`))
    .addColumn("tag", "text")
    .addColumn("liked", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("pinned", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("mailboxes_address_unique").on("mailboxes").column("address").unique().execute();
  await db.schema.createIndex("mailboxes_tenant_idx").on("mailboxes").columns(["tenant_id", "id"]).execute();
  await db.schema.createIndex("mailboxes_domain_idx").on("mailboxes").column("domain_id").execute();
  await db.schema
    .createIndex("mailboxes_expires_idx")
    .on("mailboxes")
    .column("expires_at")
    .where(sql.ref("expires_at"), "is not", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("mailboxes").execute();
}
