/**
 * The one error catalogue: code → HTTP status → tRPC code → default message.
 * Core throws MailroomError(code, …); both API surfaces map the code through ERROR_META,
 * so REST and tRPC can never disagree about a status.
 */
export const TRPC_CODES = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_SUPPORTED",
  "TIMEOUT",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNPROCESSABLE_CONTENT",
  "UNSUPPORTED_MEDIA_TYPE",
  "TOO_MANY_REQUESTS",
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE",
] as const;
export type TrpcErrorCode = (typeof TRPC_CODES)[number];

interface ErrorMeta {
  http: number;
  trpc: TrpcErrorCode;
  /** The default message a client sees. */
  message: string;
  /** When a client meets it: the README's error table is generated from this (`pnpm docs:errors`). */
  when: string;
}

export const ERROR_META = {
  // Any route
  VALIDATION_ERROR: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Invalid request data",
    when: "the input does not match the schema; `details` name each field (also NUL characters, a body that is not a JSON object, malformed percent-encoding in a path)",
  },
  INVALID_JSON: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Request body is not valid JSON",
    when: "the body is not JSON, is nested deeper than 64 levels, or has more than 10,000 members and elements",
  },
  MISSING_API_KEY: {
    http: 401,
    trpc: "UNAUTHORIZED",
    message: "Missing API key. Provide it via Authorization header (Bearer token) or ?key= query parameter",
    when: "no key given (checked before any body is read)",
  },
  INVALID_API_KEY: {
    http: 401,
    trpc: "UNAUTHORIZED",
    message: "Invalid or expired API key",
    when: "unknown, malformed or revoked key (`Invalid or expired API key: <reason>`)",
  },
  ADMIN_ONLY: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "This endpoint requires the admin key",
    when: "a tenant key on an admin route",
  },
  TENANT_ONLY: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "This endpoint requires a tenant API key",
    when: "the admin key on a tenant route",
  },
  ROUTE_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "No such endpoint", when: "no route at this path" },
  TENANT_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Tenant not found", when: "no such tenant (admin routes)" },
  KEY_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "API key not found", when: "no such key of yours" },
  METHOD_NOT_ALLOWED: {
    http: 405,
    trpc: "METHOD_NOT_SUPPORTED",
    message: "This endpoint does not answer this method; the Allow header lists the ones it does",
    when: "a known path with a method it does not answer; `Allow` lists the ones it does",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    trpc: "UNSUPPORTED_MEDIA_TYPE",
    message: "Request body must be application/json",
    when: "a body that is not `application/json`, or a charset other than UTF-8",
  },
  PAYLOAD_TOO_LARGE: {
    http: 413,
    trpc: "PAYLOAD_TOO_LARGE",
    message: "Request body too large",
    when: "a body over the route's limit (the message says the limit); refused before it is read",
  },
  RATE_LIMITED: {
    http: 429,
    trpc: "TOO_MANY_REQUESTS",
    message: "Too many requests",
    when: "over the plan's per-minute limit; `Retry-After` says when to come back",
  },

  // Mailbox sign-in (mailbox tokens and browser sessions)
  INVALID_CREDENTIALS: {
    http: 401,
    trpc: "UNAUTHORIZED",
    message: "Wrong address or password",
    when: "`POST /token` or `POST /session`: an unknown address, a wrong password, or a mailbox that is disabled, expired or has no password (one answer for all)",
  },
  LOGIN_THROTTLED: {
    http: 429,
    trpc: "TOO_MANY_REQUESTS",
    message: "Too many failed sign-ins; try again later",
    when: "sign-in after 10 failed mailbox logins from that IP or 5 for that address in the current minute (one count with submission, IMAP and POP3); `Retry-After` says when",
  },
  MAILBOX_TOKEN_SCOPE: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "A mailbox token reaches only its own mailbox",
    when: "a mailbox token or session on a route that is not about its own mailbox (tenant, key, admin, domain, webhook routes), or naming another mailbox's id",
  },
  MAILBOX_TOKEN_ONLY: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "This endpoint requires a mailbox token or session",
    when: "`DELETE /token` or `DELETE /session` with an API key (they end the mailbox token or session presented)",
  },
  CSRF_REJECTED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "Missing or wrong X-CSRF-Token header",
    when: "a request authenticated by the session cookie, with a method other than GET or HEAD, without the session's `X-CSRF-Token` (refused before the body is read)",
  },

  // Domains
  DOMAIN_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Domain not found", when: "no such domain of yours" },
  DOMAIN_EXISTS: {
    http: 409,
    trpc: "CONFLICT",
    message: "You have already added this domain",
    when: "you added this name before",
  },
  DOMAIN_TAKEN: {
    http: 409,
    trpc: "CONFLICT",
    message: "This domain is verified by another account",
    when: "another tenant verified this name first (also for a mailbox on your stale claim of it)",
  },
  SYSTEM_DOMAIN: {
    http: 409,
    trpc: "CONFLICT",
    message: "This is a system domain of this server",
    when: "adding a system domain as your own",
  },
  DOMAIN_HAS_MAILBOXES: {
    http: 409,
    trpc: "CONFLICT",
    message: "The domain still has mailboxes; delete them first or pass force=true",
    when: "deleting a domain with mailboxes, without `force=true`",
  },
  CATCH_ALL_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The catch-all must be one of your mailboxes on this domain",
    when: "`catch_all_account_id` names no mailbox of yours on this domain",
  },

  // Mailboxes
  MAILBOX_NOT_FOUND: {
    http: 404,
    trpc: "NOT_FOUND",
    message: "Mailbox not found",
    when: "no such mailbox of yours (id or address)",
  },
  // The temp-mail-style API's messages, word for word.
  EMAIL_PREFIX_LENGTH: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Email prefix length must be between 4 and 64 characters",
    when: "a new mailbox's local part is shorter than 4 or longer than 64 characters",
  },
  EMAIL_PREFIX_RESERVED: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The provided email prefix is reserved. Please choose another one.",
    when: "a new mailbox's local part is reserved (`MAILROOM_RESERVED_PREFIXES`)",
  },
  PREMIUM_DOMAIN_REQUIRED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "Premium domains require an active Pro subscription or Lifetime plan.",
    when: "a mailbox on a premium system domain on the free plan",
  },
  EMAIL_ADDRESS_TAKEN: {
    http: 409,
    trpc: "CONFLICT",
    message: "An email address with this address already exists",
    when: "the address exists already (addresses are unique server-wide, case-insensitively)",
  },
  // Named MAILBOX_DOMAIN_* so it cannot collide with the domains feature's own codes.
  MAILBOX_DOMAIN_NOT_FOUND: {
    http: 404,
    trpc: "NOT_FOUND",
    message: "Domain not found",
    when: "a mailbox on a domain that is neither a system domain nor yours (another tenant's answers the same)",
  },
  MAILBOX_QUOTA_EXCEEDED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "Mailbox quota reached for this plan",
    when: "over the plan's mailbox quota (`MAILROOM_MAILBOX_QUOTAS`)",
  },
  MAILBOX_EXPIRY_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The expiry must be in the future",
    when: "an expiry in the past",
  },

  // Receiving
  MESSAGE_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Message not found", when: "no such message of yours" },
  ATTACHMENT_NOT_FOUND: {
    http: 404,
    trpc: "NOT_FOUND",
    message: "Attachment not found",
    when: "no such attachment on that message",
  },
  WAIT_TIMEOUT: {
    http: 408,
    trpc: "TIMEOUT",
    message: "No matching message arrived before the timeout",
    when: "no matching message arrived within the wait's timeout",
  },
  NO_CODE_FOUND: {
    http: 422,
    trpc: "UNPROCESSABLE_CONTENT",
    message: "The message that arrived holds no one-time code",
    when: "`/wait?extract=code`: a matching message arrived but no code was found in it; the message names its id",
  },
  MESSAGE_UNREADABLE: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The message is beyond what this server parses (a header section over 1 MiB, or over 1000 MIME parts)",
    when: "SMTP only (`554 5.6.0`): a header section over 1 MiB or over 1000 MIME parts",
  },

  // Folders (mailbox folders: REST, IMAP, POP3)
  FOLDER_NOT_FOUND: {
    http: 404,
    trpc: "NOT_FOUND",
    message: "Folder not found",
    when: "no folder of that id or name in that mailbox of yours (`?folder=`, `PATCH /messages/{id}` `folder`, folder routes)",
  },
  FOLDER_EXISTS: {
    http: 409,
    trpc: "CONFLICT",
    message: "A folder with this name already exists",
    when: "creating or renaming to a name the mailbox already has (INBOX, in any case, always exists; renaming a folder whose children would collide too)",
  },
  FOLDER_NAME_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Folder names are 1 to 255 characters, levels separated by single slashes, with no control characters",
    when: "a folder name that is empty, over 255 characters, starts or ends with `/`, has an empty level (`//`) or a control character; or renaming a folder into its own subtree",
  },
  FOLDER_NOT_DELETABLE: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "INBOX cannot be deleted",
    when: "deleting the INBOX (every other folder, special-use ones included, may be deleted)",
  },
  FLAG_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Flags are \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft or keywords (IMAP atoms of at most 64 characters)",
    when: 'an unknown system flag (a backslash flag other than those five; `\\Recent` cannot be stored), a keyword that is no IMAP atom (spaces, `\\`, `(){%*"]`, control characters) or is over 64 characters, more than 50 keywords on a message, or one flag both added and removed',
  },

  // Sending
  SENDER_NOT_ALLOWED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "You may only send from your own mailboxes or from addresses on your active domains",
    when: "`from` is not one of your mailboxes on a system domain or on one of your *active* domains (submission: `550 5.7.1`)",
  },
  MESSAGE_TOO_LARGE: {
    http: 413,
    trpc: "PAYLOAD_TOO_LARGE",
    message: "The message is larger than this server accepts",
    when: "the composed message is over `MAILROOM_MAX_MESSAGE_BYTES` (also a message appended to a folder: IMAP APPEND)",
  },
  IDEMPOTENCY_KEY_REUSED: {
    http: 409,
    trpc: "CONFLICT",
    message: "This Idempotency-Key was already used with a different request body",
    when: "the `Idempotency-Key` was used in the last 24 h with a different body",
  },
  IDEMPOTENCY_KEY_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Idempotency-Key must be 1 to 255 printable ASCII characters",
    when: "the `Idempotency-Key` is not 1–255 printable ASCII characters",
  },

  // Events
  EVENT_CURSOR_UNKNOWN: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "That event is not in your event log",
    when: "`cursor` (GET /events) or `Last-Event-ID` (the stream) names no event of yours: pruned after `MAILROOM_EVENT_RETENTION_DAYS`, or never yours; start again with `since`",
  },
  EVENT_STREAM_LIMIT: {
    http: 429,
    trpc: "TOO_MANY_REQUESTS",
    message: "Too many event streams open",
    when: "a new event stream while you hold `MAILROOM_EVENT_STREAMS_PER_TENANT` open on that server process",
  },
  // webhooks
  WEBHOOK_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Webhook not found", when: "no such webhook endpoint of yours" },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    http: 404,
    trpc: "NOT_FOUND",
    message: "Webhook delivery not found",
    when: "no such delivery to that endpoint of yours",
  },
  WEBHOOK_URL_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The webhook URL must be an http:// or https:// URL without credentials",
    when: "a webhook URL that is not http(s), does not parse, or carries a user name or password",
  },
  WEBHOOK_TARGET_FORBIDDEN: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The webhook URL points to an address this server does not send to",
    when: "a webhook URL whose host is, or resolves to, a private, loopback, link-local, unique-local, CGNAT, multicast, unspecified or cloud-metadata address (unless `MAILROOM_WEBHOOK_ALLOW_PRIVATE=true`)",
  },
  WEBHOOK_FILTER_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "mailbox_ids and domain_ids must name your own mailboxes and domains",
    when: "a webhook's `mailbox_ids` or `domain_ids` names a mailbox or domain that is not yours",
  },
  WEBHOOK_LIMIT_REACHED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "Webhook endpoint limit reached (20 per tenant)",
    when: "creating a 21st webhook endpoint",
  },

  INTERNAL_ERROR: {
    http: 500,
    trpc: "INTERNAL_SERVER_ERROR",
    message: "Internal server error",
    when: "a fault of ours; details go to the log, never the response",
  },
  UNAVAILABLE: {
    http: 503,
    trpc: "SERVICE_UNAVAILABLE",
    message: "Service temporarily unavailable",
    when: "the database is unavailable",
  },
} as const satisfies Record<string, ErrorMeta>;

export type ErrorCode = keyof typeof ERROR_META;
export const ERROR_CODES = Object.keys(ERROR_META) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_META, value);
}

/** One field-level problem, as the temp-mail-style API shows them: `{ path: ["email"], message: "…" }`. */
export interface ErrorDetail {
  path: (string | number)[];
  message: string;
}

/**
 * The only error type core throws for faults a user can cause.
 * `message` is what the client sees; `details` only for validation.
 */
export class MailroomError extends Error {
  override readonly name = "MailroomError";
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers the error implies (e.g. Retry-After on 429). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? ERROR_META[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get httpStatus(): number {
    return ERROR_META[this.code].http;
  }
}

/** Fallback when a failure did not come from core (framework errors): tRPC code → our code. */
export const CODE_FOR_TRPC: Record<string, ErrorCode> = {
  PARSE_ERROR: "INVALID_JSON",
  BAD_REQUEST: "VALIDATION_ERROR",
  UNAUTHORIZED: "INVALID_API_KEY",
  NOT_FOUND: "ROUTE_NOT_FOUND",
  METHOD_NOT_SUPPORTED: "METHOD_NOT_ALLOWED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
  SERVICE_UNAVAILABLE: "UNAVAILABLE",
};

/** The README's error table, one row per code, from the catalogue (so the two cannot drift). */
export function errorTableMarkdown(): string {
  const rows = ERROR_CODES.map((code) => {
    const meta: ErrorMeta = ERROR_META[code];
    return `| \`${code}\` | ${meta.http} | ${meta.message.replace(/\|/g, "\\|")} | ${meta.when.replace(/\|/g, "\\|")} |`;
  });
  return ["| code | status | message | when |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
