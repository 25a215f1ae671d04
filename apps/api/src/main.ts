import { ConfigError, type MailroomConfig } from "@mailroom/contracts";
import { createProcessLogger } from "./process-logger.js";
import { knownSecrets, startMailroom } from "./app.js";
import { loadConfig } from "./env.js";

/** The process entry: HTTP API (and, as they land, the SMTP servers and delivery worker). */
async function main(): Promise<void> {
  const startedAt = performance.now();
  let config: MailroomConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = await createProcessLogger(config.logLevel, knownSecrets(config));
  let app: Awaited<ReturnType<typeof startMailroom>>;
  try {
    app = await startMailroom({ config, logger });
  } catch (err) {
    // What the operator can fix gets one line, not a stack trace.
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    const busy = busyPortMessage(err, config);
    if (!busy) throw err;
    process.stderr.write(`${busy}\n`);
    process.exit(1);
  }
  logger.info(
    {
      ms: Math.round(performance.now() - startedAt),
      port: app.httpPort,
      smtpPort: app.smtpPort,
      imapPort: app.imap.port,
      pop3Port: app.pop3Port,
    },
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

/** `PORT 3000 is already in use (set PORT to another port)`, for a listener that could not bind; else undefined. */
function busyPortMessage(err: unknown, config: MailroomConfig): string | undefined {
  const { code, port } = err as { code?: string; port?: number };
  if (code !== "EADDRINUSE" && code !== "EACCES") return undefined;
  const listeners: [string, number | null][] = [
    ["PORT", config.http.port],
    ["SMTP_PORT", config.smtp.port],
    ["SUBMISSION_PORT", config.smtp.submissionPort],
    ["POP3_PORT", config.pop3.port],
    ["POP3S_PORT", config.pop3.tlsPort],
  ];
  const variable = listeners.find(([, p]) => p === port)?.[0];
  if (!variable) return undefined;
  const problem = code === "EADDRINUSE" ? "is already in use" : "needs privileges this process does not have";
  return `${variable} ${port} ${problem} (set ${variable} to another port)`;
}

main().catch((err: unknown) => {
  process.stderr.write(`mailroom failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
