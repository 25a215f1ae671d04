import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { MailroomConfig } from "@mailroom/contracts";
import {
  createCore,
  createLogger,
  migrateToLatest,
  openDatabase,
  type Core,
  type DatabaseHandle,
  type Logger,
} from "@mailroom/core";
import { backgroundJobs, scheduleJobs } from "./background-jobs.js";
import { createHttpServer } from "./http/http-server.js";
import { appRouter } from "./root.js";

export const VERSION = "0.1.0";

export interface StartOptions {
  config: MailroomConfig;
  logger?: Logger;
  /** A database opened by the caller (tests share one per process); otherwise one is opened from config. */
  database?: DatabaseHandle;
  /** Tests that drive jobs themselves turn the schedule off. */
  backgroundJobs?: boolean;
}

export interface RunningMailroom {
  core: Core;
  database: DatabaseHandle;
  httpPort: number;
  httpUrl: string;
  /** The MX (SMTP receiver) port. */
  smtpPort: number;
  stop(): Promise<void>;
}

/** Open the database, migrate, and start every server in this process. */
export async function startMailroom(options: StartOptions): Promise<RunningMailroom> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDataDir: join(config.dataDir, "data"), logger }));
  const stops: (() => Promise<void>)[] = [];
  if (ownsDatabase) stops.push(() => database.close());
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    const core = await createCore({ db: database.db, config, logger, listen: database.listen });

    const http = createHttpServer({ router: appRouter, core, database, logger, version: VERSION });
    http.listen(config.http.port, config.http.host);
    await once(http, "listening");
    stops.unshift(async () => {
      http.closeIdleConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });
    const httpPort = (http.address() as AddressInfo).port;

    const mx = await core.receiving.startReceiver();
    // Runs before the HTTP server closes: stop accepting mail, let sessions in DATA finish.
    stops.unshift(() => mx.close());
    // And first of all: end long-polling waits, which would otherwise hold the HTTP close for their timeout.
    stops.unshift(() => core.receiving.closeWaits());

    if (options.backgroundJobs !== false) stops.unshift(scheduleJobs(backgroundJobs(core), logger));

    const httpUrl = `http://${config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host}:${httpPort}`;
    logger.info({ url: httpUrl, database: database.kind }, "http api listening");
    return {
      core,
      database,
      httpPort,
      httpUrl,
      smtpPort: mx.port,
      stop: async () => {
        for (const stop of stops.splice(0)) await stop();
      },
    };
  } catch (err) {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    throw err;
  }
}
