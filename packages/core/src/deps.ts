import type { MailroomConfig } from "@mailroom/contracts";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "./db/database.js";

/** What every core service needs; passed in, never imported, so tests can build their own. */
export interface CoreDeps {
  db: Kysely<Database>;
  config: MailroomConfig;
  logger: Logger;
}
