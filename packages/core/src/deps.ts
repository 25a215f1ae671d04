import type { MailroomConfig } from "@mailroom/contracts";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "./db/database.js";

/** What every core service needs; passed in, never imported, so tests can build their own. */
export interface CoreDeps {
  db: Kysely<Database>;
  config: MailroomConfig;
  logger: Logger;
  /** LISTEN on the database (DatabaseHandle.listen); without it, only this process's own events are heard. */
  listen?: (channel: string, handler: (payload: string) => void) => Promise<() => Promise<void>>;
  /** DatabaseHandle.countersDb: non-durable commits for rate-limit counters; absent = `db`. */
  countersDb?: Kysely<Database>;
}
