import { migrateToLatest, openDatabase, type DatabaseHandle } from "@mailroom/core";

let shared: Promise<DatabaseHandle> | undefined;

/** One database per test process: the run's PostgreSQL database, or an in-memory PGlite. */
export function getTestDatabase(): Promise<DatabaseHandle> {
  shared ??= (async () => {
    const url = process.env.MAILROOM_TEST_DATABASE_URL;
    if (url) return openDatabase({ databaseUrl: url, poolSize: 8 });
    const handle = await openDatabase({ pgliteDataDir: "memory://" });
    await migrateToLatest(handle.db);
    return handle;
  })();
  return shared;
}

/** The PostgreSQL URL of this run's database, when the run is on PostgreSQL. */
export function testDatabaseUrl(): string | undefined {
  return process.env.MAILROOM_TEST_DATABASE_URL;
}
