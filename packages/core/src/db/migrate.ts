import type { Kysely } from "kysely";
import { Migrator, type MigrationProvider } from "kysely/migration";
import { migrations } from "./migrations/index.js";
import type { Database } from "./database.js";

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Bring the schema up to date; safe to run from several processes at once (kysely takes a lock). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
