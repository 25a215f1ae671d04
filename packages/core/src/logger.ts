import pino, { type Logger } from "pino";

/**
 * An API key, a mailbox token or a session's CSRF token wherever it appears in a line: a URL path, a percent-encoded query, a tRPC input, an
 * error message. `_` may arrive percent-encoded (`%5F`) in a URL.
 */
const API_KEY_SHAPE = /mr(?:_|%5f)(?:live|admin|mbx|csrf)(?:_|%5f)[A-Za-z0-9_%-]+/gi;
/** A webhook signing secret (`whsec_` + base64), wherever it appears. */
const WEBHOOK_SECRET_SHAPE = /whsec(?:_|%5f)[A-Za-z0-9+/=%]+/gi;

/**
 * Structured logs. Secrets are redacted twice over: by field name (the paths below, wherever they
 * appear in a logged object), and by value in every written line — anything shaped like an API key,
 * and the `secrets` the process knows (the admin key, a relay password), whatever field or string
 * carries them. The value pass is one regular expression per line, over the serialised JSON.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  secrets: readonly (string | null | undefined)[] = [],
): Logger {
  const target = destination ?? pino.destination({ dest: process.stdout.fd || 1 });
  const redactLine = lineRedactor(secrets);
  const redacting: pino.DestinationStream & { flush?: (cb?: (err?: Error) => void) => void } = {
    write: (line: string) => target.write(redactLine(line)),
  };
  const flushable = target as { flush?: (cb?: (err?: Error) => void) => void };
  if (typeof flushable.flush === "function") redacting.flush = (cb) => flushable.flush!(cb);
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
          "token",
          "*.token",
          "csrf_token",
          "*.csrf_token",
          "cookie",
          "*.cookie",
          "headers.cookie",
          "req.headers.cookie",
        ],
        censor: "[redacted]",
      },
    },
    redacting,
  );
}

/** Replaces API-key-shaped strings and the given literal secrets (as logged: JSON-escaped too). */
function lineRedactor(secrets: readonly (string | null | undefined)[]): (line: string) => string {
  const literals = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 8))].flatMap((s) => [
    s,
    JSON.stringify(s).slice(1, -1),
    encodeURIComponent(s),
  ]);
  return (line) => {
    let out = line.replace(API_KEY_SHAPE, "[redacted]").replace(WEBHOOK_SECRET_SHAPE, "[redacted]");
    for (const secret of literals) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  };
}

export type { Logger };
