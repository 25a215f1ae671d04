import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { MailroomConfig } from "@mailroom/contracts";
import {
  createCore,
  createLogger,
  ensureSecretsKeyFile,
  hostnameWarning,
  migrateToLatest,
  openDatabase,
  type Core,
  type DatabaseHandle,
  type DeliveryWorker,
  type ImapServer,
  type Logger,
  type SmtpListenerStats,
  type WebhookWorker,
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
  /**
   * The delivery worker: off with `false`; `tenantIds` limits it to those tenants' mail (tests on a
   * database shared by several test processes). Default: on, every tenant.
   */
  delivery?: false | { tenantIds?: ReadonlySet<string> };
  /** The webhook worker (and dispatcher), likewise: off with `false`, or only `tenantIds`' endpoints. */
  webhooks?: false | { tenantIds?: ReadonlySet<string> };
  /**
   * A cluster's primary has done the once-only start-up work (prepareDatabase): this process
   * neither migrates nor repeats its warnings.
   */
  prepared?: boolean;
  /** This process's number in a cluster (its log lines and /healthz carry it); absent when it runs alone. */
  workerId?: number;
}

export interface RunningMailroom {
  core: Core;
  database: DatabaseHandle;
  /** The HTTP port and URL; null when this process has no `api` role (so for the other listeners). */
  httpPort: number | null;
  httpUrl: string | null;
  /** The SMTP submission port. */
  submissionPort: number | null;
  /** This process's delivery worker, unless turned off. */
  deliveryWorker: DeliveryWorker | undefined;
  /** This process's webhook worker, unless turned off. */
  webhookWorker: WebhookWorker | undefined;
  /** The MX (SMTP receiver) port. */
  smtpPort: number | null;
  /** The POP3 port and the POP3S (implicit TLS) port; null when not started. */
  pop3Port: number | null;
  pop3sPort: number | null;
  /** Sessions open on the POP3 listeners now. */
  pop3Stats(): { sessions: number };
  /** The IMAP listeners (plain/STARTTLS port, and the TLS port when a certificate is configured). */
  imap: ImapServer | undefined;
  /** Sessions and message memory of the SMTP listeners this process runs now. */
  smtpStats(): { mx: SmtpListenerStats | undefined; submission: SmtpListenerStats | undefined };
  stop(): Promise<void>;
}

/** Secrets from the configuration the logs must never show, whatever field or message carries them. */
export function knownSecrets(config: MailroomConfig): (string | null | undefined)[] {
  return [config.adminKey, config.sending.relay?.pass];
}

/**
 * The start-up work that must happen once per database, not once per process: the migration, the
 * admin key (and its file), the webhook secrets key file, the system DKIM key, and the warnings
 * about the configuration. A cluster's primary runs it before forking its workers.
 */
export async function prepareDatabase(config: MailroomConfig, logger: Logger): Promise<void> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: 2,
    pgliteDataDir: join(config.dataDir, "data"),
    logger,
  });
  try {
    const unpublishable = hostnameWarning(config.hostname);
    if (unpublishable) logger.warn({ hostname: config.hostname }, unpublishable);
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    ensureSecretsKeyFile({ secretsKey: config.webhooks.secretsKey, dataDir: config.dataDir });
    const core = await createCore({ db: database.db, countersDb: database.countersDb, config, logger, listen: database.listen });
    await core.sending.systemDkimKey();
  } finally {
    await database.close();
  }
}

/** Open the database, migrate, and start the servers and workers of this process's roles. */
export async function startMailroom(options: StartOptions): Promise<RunningMailroom> {
  const { config } = options;
  const roles = config.roles;
  const logger = options.logger ?? createLogger(config.logLevel, undefined, knownSecrets(config));
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      poolSize: config.databasePoolSize,
      pgliteDataDir: join(config.dataDir, "data"),
      logger,
    }));
  const stops: (() => Promise<void>)[] = [];
  if (ownsDatabase) stops.push(() => database.close());
  try {
    if (!options.prepared) {
      const unpublishable = hostnameWarning(config.hostname);
      if (unpublishable) logger.warn({ hostname: config.hostname }, unpublishable);
      const applied = await migrateToLatest(database.db);
      if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    }
    const core = await createCore({ db: database.db, countersDb: database.countersDb, config, logger, listen: database.listen });

    let httpPort: number | null = null;
    let httpUrl: string | null = null;
    if (roles.has("api")) {
      // A base64 body is 4/3 of the bytes it carries: the largest message must fit, with room for the JSON.
      const messageBodyLimit = Math.ceil((config.smtp.maxMessageBytes * 4) / 3) + 1024 * 1024;
      const http = createHttpServer({
        router: appRouter,
        core,
        database,
        logger,
        version: VERSION,
        messageBodyLimit,
        requestTimeoutMs: config.http.requestTimeoutMs,
        maxConnections: config.http.maxConnections,
        workerId: options.workerId,
        webDir: config.webDir,
      });
      http.listen(config.http.port, config.http.host);
      await once(http, "listening");
      stops.unshift(async () => {
        http.closeIdleConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      });
      httpPort = (http.address() as AddressInfo).port;
      httpUrl = `http://${config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host}:${httpPort}`;
    }

    // Stopped in reverse: submission stops taking mail first, then the worker finishes what it holds.
    // MAILROOM_DELIVERY_CONCURRENCY=0: an API/MX-only process; other processes on the database deliver.
    const worker =
      options.delivery === false || config.sending.concurrency === 0 || !roles.has("delivery")
        ? undefined
        : core.sending.createWorker({ tenantIds: options.delivery?.tenantIds }).start();
    if (worker) stops.unshift(() => worker.stop());
    // MAILROOM_WEBHOOK_CONCURRENCY=0: no webhook worker here; stop() lets attempts in flight finish.
    const webhookWorker =
      options.webhooks === false || config.webhooks.concurrency === 0 || !roles.has("webhooks")
        ? undefined
        : core.webhooks.createWorker({ tenantIds: options.webhooks?.tenantIds }).start();
    if (webhookWorker) stops.unshift(() => webhookWorker.stop());
    const tls = config.smtp.tls
      ? { key: readFileSync(config.smtp.tls.keyPath), cert: readFileSync(config.smtp.tls.certPath) }
      : undefined;
    // Every worker of a cluster starts its listeners in this order: node matches the port-0
    // listeners of a replaced worker to the shared sockets by the order they are opened in.
    const submission = roles.has("submission") ? await core.sending.startSubmission(tls) : undefined;
    if (submission) stops.unshift(() => submission.close());
    const imap = roles.has("imap") ? await core.receiving.startImap(tls) : undefined;
    // Sessions get `* BYE` before the database goes.
    if (imap) stops.unshift(() => imap.close());
    const mx = roles.has("mx") ? await core.receiving.startReceiver() : undefined;
    // Runs before the HTTP server closes: stop accepting mail, let sessions in DATA finish.
    if (mx) stops.unshift(() => mx.close());
    const pop3 = roles.has("pop3") ? await core.mailClients.startPop3(tls) : undefined;
    if (pop3) stops.unshift(() => pop3.close());
    // And first of all: end long-polling waits and event streams, which would otherwise hold the HTTP close.
    stops.unshift(() => core.receiving.closeWaits());
    stops.unshift(() => core.events.closeStreams());

    if (options.backgroundJobs !== false && roles.has("jobs")) {
      stops.unshift(scheduleJobs(backgroundJobs(core), core.jobs, logger, { everyMs: config.jobIntervalMs }));
    }

    if (httpUrl) logger.info({ url: httpUrl, database: database.kind }, "http api listening");
    return {
      core,
      database,
      httpPort,
      httpUrl,
      submissionPort: submission?.port ?? null,
      deliveryWorker: worker,
      webhookWorker,
      smtpPort: mx?.port ?? null,
      pop3Port: pop3?.port ?? null,
      pop3sPort: pop3?.tlsPort ?? null,
      pop3Stats: () => pop3?.stats() ?? { sessions: 0 },
      imap,
      smtpStats: () => ({ mx: mx?.stats(), submission: submission?.stats() }),
      stop: async () => {
        for (const stop of stops.splice(0)) await stop();
      },
    };
  } catch (err) {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    throw err;
  }
}
