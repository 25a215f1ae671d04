import { migrateToLatest, openDatabase } from "@mailroom/core";
import { createScratchDatabase } from "./scratch-database.js";

/**
 * With DATABASE_URL set, every test run gets a fresh database on that server (created here, migrated
 * once, dropped at the end), so runs never see each other's rows. Without it, each test process
 * makes its own in-memory PGlite (see test-database.ts).
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  const base = process.env.DATABASE_URL;
  if (!base) return;
  const scratch = await createScratchDatabase(base, "mailroom_test");
  const handle = await openDatabase({ databaseUrl: scratch.url });
  await migrateToLatest(handle.db);
  await handle.close();
  process.env.MAILROOM_TEST_DATABASE_URL = scratch.url;
  return scratch.drop;
}
