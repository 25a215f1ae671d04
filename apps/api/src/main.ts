import { ConfigError } from "@mailroom/contracts";
import { createLogger } from "@mailroom/core";
import { knownSecrets, startMailroom } from "./app.js";
import { loadConfig } from "./env.js";

/** The process entry: HTTP API (and, as they land, the SMTP servers and delivery worker). */
async function main(): Promise<void> {
  const startedAt = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, undefined, knownSecrets(config));
  const app = await startMailroom({ config, logger });
  logger.info(
    { ms: Math.round(performance.now() - startedAt), port: app.httpPort, smtpPort: app.smtpPort },
    "mailroom started",
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`mailroom failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
