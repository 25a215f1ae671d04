import type { Kysely } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per periodic job: every process on the database asks for each run here, and the one
  // whose update moves next_run_at runs it.
  await db.schema
    .createTable("job_schedule")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("next_run_at", "timestamptz", (c) => c.notNull())
    // The run in progress: no other process starts one until it finishes or its lease runs out.
    .addColumn("lease_token", "text")
    .addColumn("locked_until", "timestamptz")
    .addColumn("last_run_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("job_schedule").execute();
}
