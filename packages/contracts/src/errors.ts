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
  "UNSUPPORTED_MEDIA_TYPE",
  "TOO_MANY_REQUESTS",
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE",
] as const;
export type TrpcErrorCode = (typeof TRPC_CODES)[number];

interface ErrorMeta {
  http: number;
  trpc: TrpcErrorCode;
  message: string;
}

export const ERROR_META = {
  VALIDATION_ERROR: { http: 400, trpc: "BAD_REQUEST", message: "Invalid request data" },
  INVALID_JSON: { http: 400, trpc: "BAD_REQUEST", message: "Request body is not valid JSON" },
  MISSING_API_KEY: {
    http: 401,
    trpc: "UNAUTHORIZED",
    message: "Missing API key. Provide it via Authorization header (Bearer token) or ?key= query parameter",
  },
  INVALID_API_KEY: { http: 401, trpc: "UNAUTHORIZED", message: "Invalid or expired API key" },
  ADMIN_ONLY: { http: 403, trpc: "FORBIDDEN", message: "This endpoint requires the admin key" },
  TENANT_ONLY: { http: 403, trpc: "FORBIDDEN", message: "This endpoint requires a tenant API key" },
  ROUTE_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "No such endpoint" },
  TENANT_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Tenant not found" },
  KEY_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "API key not found" },
  METHOD_NOT_ALLOWED: {
    http: 405,
    trpc: "METHOD_NOT_SUPPORTED",
    message: "This endpoint does not answer this method; the Allow header lists the ones it does",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    trpc: "UNSUPPORTED_MEDIA_TYPE",
    message: "Request body must be application/json",
  },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE", message: "Request body too large" },
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS", message: "Too many requests" },
  // domains (issue 3)
  DOMAIN_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Domain not found" },
  DOMAIN_EXISTS: { http: 409, trpc: "CONFLICT", message: "You have already added this domain" },
  DOMAIN_TAKEN: { http: 409, trpc: "CONFLICT", message: "This domain is verified by another account" },
  SYSTEM_DOMAIN: { http: 409, trpc: "CONFLICT", message: "This is a system domain of this server" },
  DOMAIN_HAS_MAILBOXES: {
    http: 409,
    trpc: "CONFLICT",
    message: "The domain still has mailboxes; delete them first or pass force=true",
  },
  CATCH_ALL_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The catch-all must be one of your mailboxes on this domain",
  },

  // mailboxes (issue 4)
  MAILBOX_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Mailbox not found" },
  // Document 2's messages, word for word.
  EMAIL_PREFIX_LENGTH: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Email prefix length must be between 4 and 64 characters",
  },
  EMAIL_PREFIX_RESERVED: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The provided email prefix is reserved. Please choose another one.",
  },
  PREMIUM_DOMAIN_REQUIRED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "Premium domains require an active Pro subscription or Lifetime plan.",
  },
  EMAIL_ADDRESS_TAKEN: { http: 409, trpc: "CONFLICT", message: "An email address with this address already exists" },
  // Named MAILBOX_DOMAIN_* so it cannot collide with the domains feature's own codes.
  MAILBOX_DOMAIN_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Domain not found" },
  MAILBOX_QUOTA_EXCEEDED: { http: 403, trpc: "FORBIDDEN", message: "Mailbox quota reached for this plan" },
  MAILBOX_EXPIRY_INVALID: { http: 400, trpc: "BAD_REQUEST", message: "The expiry must be in the future" },

  // receiving (issue 5)
  MESSAGE_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Message not found" },
  ATTACHMENT_NOT_FOUND: { http: 404, trpc: "NOT_FOUND", message: "Attachment not found" },
  WAIT_TIMEOUT: { http: 408, trpc: "TIMEOUT", message: "No matching message arrived before the timeout" },
  MESSAGE_UNREADABLE: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "The message is beyond what this server parses (a header section over 1 MiB, or over 1000 MIME parts)",
  },

  // sending (issue 6)
  SENDER_NOT_ALLOWED: {
    http: 403,
    trpc: "FORBIDDEN",
    message: "You may only send from your own mailboxes or from addresses on your active domains",
  },
  MESSAGE_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE", message: "The message is larger than this server accepts" },
  IDEMPOTENCY_KEY_REUSED: {
    http: 409,
    trpc: "CONFLICT",
    message: "This Idempotency-Key was already used with a different request body",
  },
  IDEMPOTENCY_KEY_INVALID: {
    http: 400,
    trpc: "BAD_REQUEST",
    message: "Idempotency-Key must be 1 to 255 printable ASCII characters",
  },

  INTERNAL_ERROR: { http: 500, trpc: "INTERNAL_SERVER_ERROR", message: "Internal server error" },
  UNAVAILABLE: { http: 503, trpc: "SERVICE_UNAVAILABLE", message: "Service temporarily unavailable" },
} as const satisfies Record<string, ErrorMeta>;

export type ErrorCode = keyof typeof ERROR_META;
export const ERROR_CODES = Object.keys(ERROR_META) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_META, value);
}

/** One field-level problem, as document 2 shows them: `{ path: ["email"], message: "…" }`. */
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
