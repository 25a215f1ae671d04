import { createLogger, type Logger } from "@mailroom/core";

/**
 * The server process's logger: readable lines for a person watching a terminal, one JSON object per
 * line for everything else (a pipe, a file, a log collector). pino-pretty is loaded only for a
 * terminal, so a service never pays for it.
 */
export async function createProcessLogger(level: string, secrets: readonly (string | null | undefined)[] = []): Promise<Logger> {
  if (!process.stdout.isTTY) return createLogger(level, undefined, secrets);
  const { default: pretty } = await import("pino-pretty");
  return createLogger(
    level,
    pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service", singleLine: true, sync: true }),
    secrets,
  );
}
