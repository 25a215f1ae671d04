import { isIP } from "node:net";
import { z } from "zod";
import { PLANS, PLAN_DEFAULTS, type Plan } from "./plans.js";

const port = z.coerce.number().int().min(0).max(65535);

/** A port, or `off` for a listener that is not started (0 stays "any free port", as everywhere). */
const PORT_OR_OFF = "must be a port number (0 = any free port) or off";
const portOrOff = z.union(
  [z.literal("off").transform(() => null), z.coerce.number().int(PORT_OR_OFF).min(0, PORT_OR_OFF).max(65535, PORT_OR_OFF)],
  { error: PORT_OR_OFF },
);

/** `ig.do,kfc.sh:premium` → [{ domain, premium }] */
const systemDomains = z.string().transform((value, ctx) => {
  const out: { domain: string; premium: boolean }[] = [];
  for (const part of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [domain = "", flag] = part.split(":");
    if (!/^[a-z0-9.-]+$/i.test(domain) || (flag !== undefined && flag !== "premium")) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not <domain> or <domain>:premium` });
      return z.NEVER;
    }
    out.push({ domain: domain.toLowerCase(), premium: flag === "premium" });
  }
  return out;
});

/** `127.0.0.1:5353,[::1]:53,1.1.1.1` → node:dns Resolver.setServers form; empty = the system's resolvers. */
const dnsServers = z.string().transform((value, ctx) => {
  const out: string[] = [];
  for (const part of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    // Resolver.setServers takes IP addresses only (it never resolves a name to find a resolver).
    const [ip = "", portText] = splitHostPort(part);
    if (!isIP(ip) || (portText !== undefined && !validPort(portText))) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not <ip> or <ip>:<port> (IPv6 as [addr]:port)` });
      return z.NEVER;
    }
    out.push(part);
  }
  return out;
});

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** `[::1]:53` → ["::1", "53"]; `::1` → ["::1"]; `1.2.3.4:53` → ["1.2.3.4", "53"]. */
function splitHostPort(value: string): [string, string?] {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(value);
  if (bracketed) return [bracketed[1] ?? "", bracketed[2]];
  if (isIP(value) === 6) return [value];
  const [host = "", port, ...rest] = value.split(":");
  return rest.length > 0 ? [""] : [host, port];
}

/** `free:1000,pro:5000` → per-plan numbers, defaults for plans not named. */
function perPlanNumbers<T extends number | null>(defaults: Record<Plan, T>, allowUnlimited: boolean) {
  return z.string().transform((value, ctx) => {
    const out = { ...defaults };
    for (const part of value
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [plan, raw] = part.split(":");
      const n = allowUnlimited && raw === "unlimited" ? null : Number(raw);
      if (!PLANS.includes(plan as Plan) || (n !== null && (!Number.isInteger(n) || n < 0))) {
        const expected = allowUnlimited ? "<plan>:<whole number or unlimited>" : "<plan>:<whole number>";
        ctx.addIssue({ code: "custom", message: `"${part}" is not ${expected}` });
        return z.NEVER;
      }
      out[plan as Plan] = n as T;
    }
    return out;
  });
}

const DEFAULT_RATE_LIMITS: Record<Plan, number> = {
  free: PLAN_DEFAULTS.free.requestsPerMinute,
  pro: PLAN_DEFAULTS.pro.requestsPerMinute,
  lifetime: PLAN_DEFAULTS.lifetime.requestsPerMinute,
};

const DEFAULT_MAILBOX_QUOTAS: Record<Plan, number | null> = {
  free: PLAN_DEFAULTS.free.mailboxes,
  pro: PLAN_DEFAULTS.pro.mailboxes,
  lifetime: PLAN_DEFAULTS.lifetime.mailboxes,
};

/** Local parts no tenant may take: role addresses the server or the world relies on. */
export const DEFAULT_RESERVED_PREFIXES = [
  "admin",
  "administrator",
  "postmaster",
  "hostmaster",
  "webmaster",
  "abuse",
  "noreply",
  "no-reply",
  "root",
  "security",
  "mailer-daemon",
];

/** `admin,root` → ["admin", "root"], lower-cased. */
const prefixList = z.string().transform((value) =>
  value
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean),
);

/** `smtps://user:pass@smtp.example.com:465` → where and how to hand mail to a smarthost. */
const relayUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be smtp://user:pass@host:port or smtps://…" });
    return z.NEVER;
  }
  if ((url.protocol !== "smtp:" && url.protocol !== "smtps:") || !url.hostname) {
    ctx.addIssue({ code: "custom", message: "must be smtp://user:pass@host:port or smtps://…" });
    return z.NEVER;
  }
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : null,
    pass: url.password ? decodeURIComponent(url.password) : null,
  };
});

/** `60,300,900` → seconds to wait before each retry; the last one repeats. */
const retrySchedule = z.string().transform((value, ctx) => {
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const out = parts.map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    ctx.addIssue({ code: "custom", message: "must be whole numbers of seconds (≥ 1), comma-separated" });
    return z.NEVER;
  }
  return out;
});

export const DEFAULT_RETRY_SCHEDULE = [60, 300, 900, 3600, 14400];

/** Webhook retries: 5 s, 1 min, 10 min, 1 h, 3 h, 8 h, 12 h — a day and a quarter, then `failed`. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = [5, 60, 600, 3600, 10800, 28800, 43200];

/** A whole number from `min` to `max`, with one message that names the range for either bound. */
function wholeNumber(min: number, max: number, meaning = "") {
  const message = `must be a whole number from ${min} to ${max}${meaning}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

const MIB = 1024 * 1024;

/** What one process may run; a deployment spreads them over processes and machines on one PostgreSQL. */
export const ROLES = ["api", "mx", "submission", "imap", "pop3", "delivery", "webhooks", "jobs"] as const;
export type Role = (typeof ROLES)[number];

/** `api,mx` → the set of roles; an unknown name is an error that names it. */
const roleList = z.string().transform((value, ctx) => {
  const names = value
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !ROLES.includes(n as Role));
  if (unknown.length > 0) {
    const which = unknown.map((n) => `"${n}"`).join(", ");
    ctx.addIssue({ code: "custom", message: `unknown role ${which} (roles: ${ROLES.join(", ")})` });
    return z.NEVER;
  }
  if (names.length === 0) {
    ctx.addIssue({ code: "custom", message: `must name at least one role (${ROLES.join(", ")})` });
    return z.NEVER;
  }
  return new Set(names as Role[]) as ReadonlySet<Role>;
});

const PROCESSES = "must be auto or a whole number from 1 to 256";
/** `auto` (one per core on PostgreSQL, one on PGlite) or a number of processes. */
const processCount = z.union([z.literal("auto"), z.coerce.number().int(PROCESSES).min(1, PROCESSES).max(256, PROCESSES)], {
  error: PROCESSES,
});

const boolean = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const configSchema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default("127.0.0.1"),
    /** A client gets this long to send a whole request (headers and body): 25 MB at ~1 Mbit/s. */
    MAILROOM_HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce
      .number()
      .int("must be a whole number of seconds")
      .min(10, "must be 10 to 3600 seconds")
      .max(3600, "must be 10 to 3600 seconds")
      .default(300),
    /** Open HTTP connections at once; more are closed as they arrive (long-polling waits each hold one). */
    MAILROOM_HTTP_MAX_CONNECTIONS: z.coerce
      .number()
      .int("must be a whole number")
      .min(10, "must be 10 to 1000000")
      .max(1_000_000, "must be 10 to 1000000")
      .default(5000),
    SMTP_PORT: port.default(2525),
    SMTP_HOST: z.string().min(1).default("127.0.0.1"),
    SUBMISSION_PORT: port.default(2587),
    SMTP_TLS_CERT: z.string().min(1).optional(),
    SMTP_TLS_KEY: z.string().min(1).optional(),
    MAILROOM_MAX_MESSAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024, "must be at least 1024")
      .default(25 * 1024 * 1024),
    MAILROOM_GREET_PAUSE_MS: z.coerce.number().int().min(0).max(60_000).default(100),
    // Limits of each SMTP listener (MX and submission), so that the internet cannot exhaust memory or sockets.
    MAILROOM_SMTP_MAX_SESSIONS: wholeNumber(1, 100_000).default(500),
    MAILROOM_SMTP_MAX_SESSIONS_PER_IP: wholeNumber(1, 100_000).default(20),
    MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE: wholeNumber(1, 1_000_000).default(120),
    MAILROOM_SMTP_MEMORY_BYTES: wholeNumber(64 * 1024, 64 * 1024 * MIB, " (bytes, at least 64 KiB)").default(64 * MIB),
    MAILROOM_SMTP_IDLE_TIMEOUT_S: wholeNumber(1, 3600, " (seconds)").default(300),
    MAILROOM_SMTP_DATA_TIMEOUT_S: wholeNumber(1, 86_400, " (seconds)").default(600),
    MAILROOM_SMTP_MAX_BAD_RECIPIENTS: wholeNumber(1, 10_000).default(20),
    // POP3 for mail clients, on SMTP_HOST; POP3S (implicit TLS) only with SMTP_TLS_CERT/SMTP_TLS_KEY.
    POP3_PORT: portOrOff.default(2110),
    POP3S_PORT: portOrOff.default(2995),
    MAILROOM_POP3_MAX_SESSIONS: wholeNumber(1, 100_000).default(500),
    MAILROOM_POP3_MAX_SESSIONS_PER_IP: wholeNumber(1, 100_000).default(20),
    MAILROOM_POP3_CONNECTIONS_PER_IP_PER_MINUTE: wholeNumber(1, 1_000_000).default(120),
    /** RFC 1939 asks for at least 10 minutes; shorter values exist for tests. */
    MAILROOM_POP3_IDLE_TIMEOUT_S: wholeNumber(1, 86_400, " (seconds)").default(600),
    // IMAP (mail clients)
    IMAP_PORT: port.default(2143),
    /** Implicit TLS; only listened on when SMTP_TLS_CERT/SMTP_TLS_KEY are set. */
    IMAPS_PORT: port.default(2993),
    IMAP_HOST: z.string().min(1).default("127.0.0.1"),
    MAILROOM_IMAP_MAX_SESSIONS: wholeNumber(1, 100_000).default(500),
    MAILROOM_IMAP_MAX_SESSIONS_PER_IP: wholeNumber(1, 100_000).default(20),
    /** RFC 3501 5.4: an inactivity autologout timer must be at least 30 minutes (tests shorten it). */
    MAILROOM_IMAP_IDLE_TIMEOUT_S: wholeNumber(1, 86_400, " (seconds)").default(1800),
    MAILROOM_IMAP_MAX_LINE_BYTES: wholeNumber(1024, 16 * MIB, " (bytes)").default(64 * 1024),
    // sending
    SMTP_RELAY_URL: relayUrl.optional(),
    MAILROOM_MAX_DELIVERY_HOURS: z.coerce.number().positive("must be more than 0").default(48),
    MAILROOM_RETRY_SCHEDULE: retrySchedule.default(DEFAULT_RETRY_SCHEDULE),
    SUBMISSION_ALLOW_INSECURE_AUTH: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .default(false),
    /** Port of remote MX hosts; 25 everywhere but in tests, whose MX listens on a random port. */
    MAILROOM_MX_PORT: port.default(25),
    MAILROOM_DELIVERY_CONCURRENCY: z.coerce
      .number()
      .int("must be a whole number")
      .min(0, "must be 0 (no delivery worker) to 1000")
      .max(1000, "must be 0 (no delivery worker) to 1000")
      .default(32),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
    MAILROOM_PROCESSES: processCount.default("auto"),
    MAILROOM_ROLES: roleList.default(new Set(ROLES)),
    /** Every periodic job at this interval instead of its own (tests; the shortest among processes wins). */
    MAILROOM_JOB_INTERVAL_SECONDS: wholeNumber(1, 86_400, " (seconds)").optional(),
    MAILROOM_DATA_DIR: z.string().min(1).default("./.mailroom"),
    MAILROOM_HOSTNAME: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, "must be a host name")
      .default("localhost"),
    MAILROOM_SYSTEM_DOMAINS: systemDomains.default([{ domain: "mailroom.localhost", premium: false }]),
    MAILROOM_DNS_SERVERS: dnsServers.default([]),
    MAILROOM_ADMIN_KEY: z.string().min(24, "must be at least 24 characters").optional(),
    MAILROOM_RATE_LIMITS: perPlanNumbers(DEFAULT_RATE_LIMITS, false).default(DEFAULT_RATE_LIMITS),
    MAILROOM_MAILBOX_QUOTAS: perPlanNumbers(DEFAULT_MAILBOX_QUOTAS, true).default(DEFAULT_MAILBOX_QUOTAS),
    MAILROOM_RESERVED_PREFIXES: prefixList.default(DEFAULT_RESERVED_PREFIXES),
    MAILROOM_TRUST_PROXY: boolean.default(false),
    /** The built browser app (apps/web/dist) served at `/`; unset = found beside the server's code. */
    MAILROOM_WEB_DIR: z.string().min(1).optional(),
    /** How long a mailbox token or browser session lives (fractions allowed); sign in again after. */
    MAILROOM_MAILBOX_TOKEN_TTL_HOURS: z.coerce
      .number({ error: "must be a number of hours from 0.001 to 8760" })
      .min(0.001, "must be a number of hours from 0.001 to 8760")
      .max(8760, "must be a number of hours from 0.001 to 8760")
      .default(24),
    // events and webhooks
    MAILROOM_EVENT_RETENTION_DAYS: wholeNumber(1, 3650, " (days)").default(30),
    /** Event streams (GET /events/stream) one tenant may hold open on one process. */
    MAILROOM_EVENT_STREAMS_PER_TENANT: wholeNumber(1, 10_000).default(20),
    /** Let webhooks reach private, loopback and link-local addresses (tests, single-host setups). */
    MAILROOM_WEBHOOK_ALLOW_PRIVATE: boolean.default(false),
    MAILROOM_WEBHOOK_CONCURRENCY: wholeNumber(0, 1000, " (0 = no webhook worker in this process)").default(16),
    /** Seconds before webhook retry 1, 2, …; after the last one a delivery is failed (no repeat). */
    MAILROOM_WEBHOOK_RETRY_SCHEDULE: retrySchedule.default(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
    /** Encrypts webhook secrets at rest; when unset, a key is generated into <data dir>/secrets.key. */
    MAILROOM_SECRETS_KEY: z.string().min(32, "must be at least 32 characters").optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .refine((c) => (c.SMTP_TLS_CERT === undefined) === (c.SMTP_TLS_KEY === undefined), {
    message: "set both SMTP_TLS_CERT and SMTP_TLS_KEY, or neither",
    path: ["SMTP_TLS_KEY"],
  })
  // The embedded database lives in one process's memory: other processes could not open it.
  .refine((c) => c.DATABASE_URL !== undefined || c.MAILROOM_PROCESSES === "auto" || c.MAILROOM_PROCESSES === 1, {
    message: "more than one process needs PostgreSQL (set DATABASE_URL); the embedded PGlite database serves one process",
    path: ["MAILROOM_PROCESSES"],
  });

export type RawConfig = z.infer<typeof configSchema>;

export interface MailroomConfig {
  http: {
    host: string;
    port: number;
    /** Time a client has to send a whole request; the connection closes after it. */
    requestTimeoutMs: number;
    maxConnections: number;
  };
  smtp: {
    host: string;
    port: number;
    submissionPort: number;
    /** Largest message accepted (advertised as SIZE). */
    maxMessageBytes: number;
    /** Paths of a PEM certificate and key; STARTTLS is offered only when set. */
    tls: { certPath: string; keyPath: string } | null;
    /** How long the MX waits before its greeting; a client that talks first is refused. */
    greetPauseMs: number;
    limits: SmtpLimits;
  };
  pop3: {
    /** The host the POP3 listeners bind (SMTP_HOST: one address for every mail listener). */
    host: string;
    /** Plain POP3 (STLS offered when TLS is configured); null = not started. */
    port: number | null;
    /** POP3 over implicit TLS; null = not started (also whenever no certificate is configured). */
    tlsPort: number | null;
    limits: Pop3Limits;
  };
  imap: ImapConfig;
  sending: {
    /** The smarthost every remote recipient goes through; null = each recipient domain's MX. */
    relay: { host: string; port: number; secure: boolean; user: string | null; pass: string | null } | null;
    /** After this long a message still not delivered to a recipient fails for that recipient. */
    maxDeliveryHours: number;
    /** Seconds before retry 1, 2, …; the last value repeats. */
    retryScheduleSeconds: number[];
    /** Port remote MX hosts are reached on (25; tests use a random one). */
    mxPort: number;
    /** Allow mailbox logins (submission AUTH, POP3) without TLS from non-loopback clients. */
    allowInsecureAuth: boolean;
    /** Deliveries one process has in flight at once (and connections it keeps to a smarthost). */
    concurrency: number;
  };
  databaseUrl: string | undefined;
  /** Connections each process keeps to PostgreSQL. */
  databasePoolSize: number;
  /** Processes this machine runs (a cluster when more than one); `auto`: one per core on PostgreSQL, one on PGlite. */
  processes: number | "auto";
  /** What this process runs: listeners, workers, periodic jobs. */
  roles: ReadonlySet<Role>;
  /** Every periodic job's interval, when set; otherwise each job's own. */
  jobIntervalMs: number | null;
  dataDir: string;
  hostname: string;
  systemDomains: { domain: string; premium: boolean }[];
  /** Resolvers for domain verification, as node:dns setServers takes them; empty = the system's. */
  dnsServers: string[];
  adminKey: string | undefined;
  rateLimits: Record<Plan, number>;
  /** Mailboxes per tenant by plan; null = unlimited. */
  mailboxQuotas: Record<Plan, number | null>;
  /** Lower-case local parts nobody may create. */
  reservedPrefixes: string[];
  trustProxy: boolean;
  /** The built browser app's folder; undefined = apps/web/dist, found from the server's own code. */
  webDir: string | undefined;
  /** Lifetime of a mailbox token (and of a browser session), in milliseconds. */
  mailboxTokenTtlMs: number;
  logLevel: RawConfig["LOG_LEVEL"];
  events: {
    /** Events older than this many days are deleted. */
    retentionDays: number;
    /** Open event streams per tenant per process. */
    streamsPerTenant: number;
  };
  webhooks: {
    /** Allow private, loopback, link-local and metadata addresses as webhook targets. */
    allowPrivate: boolean;
    /** Endpoints one process delivers to at once; 0 = no webhook worker here. */
    concurrency: number;
    /** Key material for encrypting webhook secrets at rest; undefined = the data dir's key file. */
    secretsKey: string | undefined;
    /** Seconds before retry 1, 2, …; a delivery whose last retry fails is `failed`. */
    retryScheduleSeconds: number[];
  };
}

/** What each SMTP listener (MX, submission) allows; refusals are 421, the client may come back. */
export interface SmtpLimits {
  /** Sessions open at once on one listener. */
  maxSessions: number;
  /** Sessions open at once from one client address (IPv6: one /64) on one listener. */
  maxSessionsPerIp: number;
  /** New connections from one client address (IPv6: one /64) in any 60 seconds, on one listener. */
  connectionsPerIpPerMinute: number;
  /** Message bytes held in memory by all sessions of the process together; beyond it DATA goes to a file. */
  memoryBytes: number;
  /** A session that sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** Time from the 354 to the final dot. */
  dataTimeoutMs: number;
  /** Unknown-recipient refusals per session before the MX hangs up (directory harvesting). */
  maxBadRecipients: number;
}

/** What each POP3 listener allows. */
export interface Pop3Limits {
  /** Sessions open at once on one listener (`-ERR [SYS/TEMP]` beyond). */
  maxSessions: number;
  /** Sessions open at once from one client address (IPv6: one /64) on one listener. */
  maxSessionsPerIp: number;
  /** New connections from one client address (IPv6: one /64) in any 60 seconds, on one listener. */
  connectionsPerIpPerMinute: number;
  /** A session that sends nothing for this long is closed (RFC 1939's autologout timer). */
  idleTimeoutMs: number;
}

/** The IMAP listeners; TLS material is config.smtp.tls (the same certificate serves every mail port). */
export interface ImapConfig {
  host: string;
  port: number;
  /** Implicit-TLS port, listened on only when config.smtp.tls is set. */
  tlsPort: number;
  /** Sessions open at once on one listener. */
  maxSessions: number;
  /** Sessions open at once from one client address (IPv6: one /64) on one listener. */
  maxSessionsPerIp: number;
  /** A session that sends nothing for this long (IDLE included) gets BYE. */
  idleTimeoutMs: number;
  /** Bytes of one command line outside literals. */
  maxLineBytes: number;
  /** Bytes of one literal before login (LOGIN, AUTHENTICATE); after login, the message size limit. */
  maxPreauthLiteralBytes: number;
}

/** A literal before login carries at most a user name or password. */
export const IMAP_PREAUTH_LITERAL_BYTES = 4096;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Validate the environment once; a bad value names its variable. */
export function parseConfig(env: Record<string, string | undefined>): MailroomConfig {
  // An empty variable means "unset", as in most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const c = result.data;
  return {
    http: {
      host: c.HOST,
      port: c.PORT,
      requestTimeoutMs: c.MAILROOM_HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      maxConnections: c.MAILROOM_HTTP_MAX_CONNECTIONS,
    },
    smtp: {
      host: c.SMTP_HOST,
      port: c.SMTP_PORT,
      submissionPort: c.SUBMISSION_PORT,
      maxMessageBytes: c.MAILROOM_MAX_MESSAGE_BYTES,
      tls: c.SMTP_TLS_CERT && c.SMTP_TLS_KEY ? { certPath: c.SMTP_TLS_CERT, keyPath: c.SMTP_TLS_KEY } : null,
      greetPauseMs: c.MAILROOM_GREET_PAUSE_MS,
      limits: {
        maxSessions: c.MAILROOM_SMTP_MAX_SESSIONS,
        maxSessionsPerIp: c.MAILROOM_SMTP_MAX_SESSIONS_PER_IP,
        connectionsPerIpPerMinute: c.MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE,
        memoryBytes: c.MAILROOM_SMTP_MEMORY_BYTES,
        idleTimeoutMs: c.MAILROOM_SMTP_IDLE_TIMEOUT_S * 1000,
        dataTimeoutMs: c.MAILROOM_SMTP_DATA_TIMEOUT_S * 1000,
        maxBadRecipients: c.MAILROOM_SMTP_MAX_BAD_RECIPIENTS,
      },
    },
    pop3: {
      host: c.SMTP_HOST,
      port: c.POP3_PORT,
      tlsPort: c.SMTP_TLS_CERT && c.SMTP_TLS_KEY ? c.POP3S_PORT : null,
      limits: {
        maxSessions: c.MAILROOM_POP3_MAX_SESSIONS,
        maxSessionsPerIp: c.MAILROOM_POP3_MAX_SESSIONS_PER_IP,
        connectionsPerIpPerMinute: c.MAILROOM_POP3_CONNECTIONS_PER_IP_PER_MINUTE,
        idleTimeoutMs: c.MAILROOM_POP3_IDLE_TIMEOUT_S * 1000,
      },
    },
    imap: {
      host: c.IMAP_HOST,
      port: c.IMAP_PORT,
      tlsPort: c.IMAPS_PORT,
      maxSessions: c.MAILROOM_IMAP_MAX_SESSIONS,
      maxSessionsPerIp: c.MAILROOM_IMAP_MAX_SESSIONS_PER_IP,
      idleTimeoutMs: c.MAILROOM_IMAP_IDLE_TIMEOUT_S * 1000,
      maxLineBytes: c.MAILROOM_IMAP_MAX_LINE_BYTES,
      maxPreauthLiteralBytes: IMAP_PREAUTH_LITERAL_BYTES,
    },
    sending: {
      relay: c.SMTP_RELAY_URL ?? null,
      maxDeliveryHours: c.MAILROOM_MAX_DELIVERY_HOURS,
      retryScheduleSeconds: c.MAILROOM_RETRY_SCHEDULE,
      mxPort: c.MAILROOM_MX_PORT,
      allowInsecureAuth: c.SUBMISSION_ALLOW_INSECURE_AUTH,
      concurrency: c.MAILROOM_DELIVERY_CONCURRENCY,
    },
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    processes: c.MAILROOM_PROCESSES,
    roles: c.MAILROOM_ROLES,
    jobIntervalMs: c.MAILROOM_JOB_INTERVAL_SECONDS === undefined ? null : c.MAILROOM_JOB_INTERVAL_SECONDS * 1000,
    dataDir: c.MAILROOM_DATA_DIR,
    hostname: c.MAILROOM_HOSTNAME.toLowerCase(),
    systemDomains: c.MAILROOM_SYSTEM_DOMAINS,
    dnsServers: c.MAILROOM_DNS_SERVERS,
    adminKey: c.MAILROOM_ADMIN_KEY,
    rateLimits: c.MAILROOM_RATE_LIMITS,
    mailboxQuotas: c.MAILROOM_MAILBOX_QUOTAS,
    reservedPrefixes: c.MAILROOM_RESERVED_PREFIXES,
    trustProxy: c.MAILROOM_TRUST_PROXY,
    webDir: c.MAILROOM_WEB_DIR,
    mailboxTokenTtlMs: Math.round(c.MAILROOM_MAILBOX_TOKEN_TTL_HOURS * 3_600_000),
    logLevel: c.LOG_LEVEL,
    events: {
      retentionDays: c.MAILROOM_EVENT_RETENTION_DAYS,
      streamsPerTenant: c.MAILROOM_EVENT_STREAMS_PER_TENANT,
    },
    webhooks: {
      allowPrivate: c.MAILROOM_WEBHOOK_ALLOW_PRIVATE,
      concurrency: c.MAILROOM_WEBHOOK_CONCURRENCY,
      secretsKey: c.MAILROOM_SECRETS_KEY,
      retryScheduleSeconds: c.MAILROOM_WEBHOOK_RETRY_SCHEDULE,
    },
  };
}
