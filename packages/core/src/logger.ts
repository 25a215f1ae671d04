import pino, { type Logger } from "pino";

/** Structured logs. Anything that could carry a secret is redacted by path, wherever it appears. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "mailroom" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "api_key",
          "*.api_key",
          "apiKey",
          "*.apiKey",
          "secret",
          "*.secret",
          "authorization",
          "*.authorization",
          "headers.authorization",
          "req.headers.authorization",
          "privateKey",
          "*.privateKey",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

export type { Logger };
