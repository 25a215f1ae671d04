import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Database } from "./database.js";

export type DatabaseKind = "postgres" | "pglite";

export interface DatabaseHandle {
  db: Kysely<Database>;
  /**
   * For counters whose loss in a crash is harmless (rate-limit windows): commits without waiting
   * for the WAL flush, so the hot row a counter lives on is locked for microseconds, not an fsync.
   * Never use it for mail or anything acknowledged to a client.
   */
  countersDb: Kysely<Database>;
  kind: DatabaseKind;
  /** True when the database answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * LISTEN on `channel`: `handler` gets each NOTIFY payload, committed by any process on this
   * database. Resolves once listening; the returned function stops it.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… ; when absent, PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory, or "memory://" for a throw-away database. */
  pgliteDataDir?: string;
  poolSize?: number;
  /** PostgreSQL application_name for this handle's connections (operators and tests can find them). */
  applicationName?: string;
  logger?: Logger;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openPglite(options.pgliteDataDir ?? "memory://", options);
}

function openPostgres(connectionString: string, options: OpenDatabaseOptions): DatabaseHandle {
  const pool = survivable(
    new pg.Pool({ connectionString, max: options.poolSize ?? 10, application_name: options.applicationName ?? "mailroom" }),
    options.logger,
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const countersPool = survivable(
    new pg.Pool({
      connectionString,
      max: 4,
      options: "-c synchronous_commit=off",
      application_name: options.applicationName ?? "mailroom",
    }),
    options.logger,
  );
  const countersDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: countersPool }) });
  const listener = new PostgresListener(connectionString, options.logger);
  return {
    db,
    countersDb,
    kind: "postgres",
    ping: (timeoutMs) => ping(db, timeoutMs),
    listen: (channel, handler) => listener.listen(channel, handler),
    close: async () => {
      await listener.close();
      await countersDb.destroy();
      await db.destroy();
    },
  };
}

/**
 * A database restart kills every connection. pg-pool only listens for errors on idle clients; a
 * checked-out one (a transaction waiting on our own work) would emit an unhandled 'error' and take
 * the process down. Every client gets a listener for life: the query in flight fails (SMTP answers
 * 451, the API 500), the dead client leaves the pool, and the next request gets a fresh one.
 */
function survivable(pool: pg.Pool, logger: Logger | undefined): pg.Pool {
  const lost = (err: Error) => logger?.warn({ err: err.message }, "database connection lost");
  pool.on("error", lost);
  pool.on("connect", (client) => client.on("error", lost));
  return pool;
}

/**
 * One dedicated connection for LISTEN (a pooled one would lose its LISTENs when returned).
 * Opened on first use; if it drops, it reconnects and listens again. A NOTIFY sent while it is
 * down is lost, so callers treat notifications as hints and re-read the table.
 */
class PostgresListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger | undefined,
  ) {}

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error("the database handle is closed");
    const first = !this.handlers.has(channel);
    const set = this.handlers.get(channel) ?? new Set();
    if (first) this.handlers.set(channel, set);
    set.add(handler);
    const client = await this.connect();
    if (first) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      set.delete(handler);
      if (set.size > 0 || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on("notification", (msg) => {
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? "");
      });
      client.on("error", (err) => {
        this.logger?.warn({ err: err.message }, "database listener connection lost");
        this.dropped(client);
      });
      client.on("end", () => this.dropped(client));
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (err) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        throw err;
      } finally {
        this.connecting = undefined;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed || this.handlers.size === 0) return;
    const reconnect = () => {
      this.retry = undefined;
      if (this.closed || this.client) return;
      this.connect().catch(() => {
        this.retry = setTimeout(reconnect, 1000);
        this.retry.unref();
      });
    };
    reconnect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.handlers.clear();
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

async function openPglite(dataDir: string, _options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    // One embedded engine, one connection (and PGlite never fsyncs anyway).
    countersDb: db,
    kind: "pglite",
    ping: (timeoutMs) => ping(db, timeoutMs),
    // PGlite delivers a NOTIFY to its own listeners when the notifying transaction commits.
    listen: async (channel, handler) => {
      const unlisten = await pglite.listen(channel, handler);
      return () => unlisten().catch(() => undefined);
    },
    close: () => db.destroy(),
  };
}

async function ping(db: Kysely<Database>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = sql`select 1 as ok`
    .execute(db)
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
