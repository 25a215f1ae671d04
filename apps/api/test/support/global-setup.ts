import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateToLatest, openDatabase } from "@mailroom/core";

/**
 * With DATABASE_URL set, every test run gets a fresh database on that server (created here, migrated
 * once, dropped at the end), so runs never see each other's rows. Without it, each test process
 * makes its own in-memory PGlite (see test-database.ts).
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  const base = process.env.DATABASE_URL;
  if (!base) return;
  const name = `mailroom_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();

  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString() });
  await migrateToLatest(handle.db);
  await handle.close();
  process.env.MAILROOM_TEST_DATABASE_URL = url.toString();

  return async () => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.end();
  };
}
