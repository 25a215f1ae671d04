import type { AppRouter, RouterOutputs } from "@mailroom/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export type { RouterOutputs };

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** Who the tab acts as: an API key (console) or a mailbox's cookie session (webmail). */
export type Credentials = { kind: "key"; key: string } | { kind: "mailbox"; csrfToken: string };

export interface MailboxSession {
  mailbox: { id: string; address: string };
  expires_at: string;
  csrf_token: string;
}

// ─── Rate limit: the X-RateLimit-* headers of the last answer ───────────────────────────────

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetAt: Date;
}

let rateLimit: RateLimitState | undefined;
const rateListeners = new Set<() => void>();

function recordRateLimit(headers: Headers): void {
  const limit = headers.get("x-ratelimit-limit");
  const remaining = headers.get("x-ratelimit-remaining");
  const reset = headers.get("x-ratelimit-reset");
  if (!limit || !remaining || !reset) return;
  rateLimit = { limit: Number(limit), remaining: Number(remaining), resetAt: new Date(Number(reset) * 1000) };
  for (const listener of rateListeners) listener();
}

export const rateLimitStore = {
  subscribe(listener: () => void) {
    rateListeners.add(listener);
    return () => rateListeners.delete(listener);
  },
  get: () => rateLimit,
};

// ─── Requests ───────────────────────────────────────────────────────────────────────────────

function authHeaders(credentials: Credentials | undefined): Record<string, string> {
  if (!credentials) return {};
  return credentials.kind === "key" ? { authorization: `Bearer ${credentials.key}` } : { "x-csrf-token": credentials.csrfToken };
}

/** Same origin only; the mailbox session's cookie goes along by itself. */
async function send(input: string, init: RequestInit): Promise<Response> {
  const res = await fetch(input, { ...init, credentials: "same-origin", referrerPolicy: "no-referrer" });
  recordRateLimit(res.headers);
  return res;
}

export function createClient(credentials: Credentials | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: "/trpc",
        headers: () => authHeaders(credentials),
        fetch: (url, init) => send(String(url), init as RequestInit),
      }),
    ],
  });
}

/** The REST error body, thrown by the plain routes' callers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: (string | number)[]; message: string }[] = [],
  ) {
    super(message);
  }
}

/** A JSON REST call under /api/v1 (the routes tRPC does not carry: the session, bytes). */
export async function rest<T>(method: string, path: string, credentials: Credentials | undefined, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders(credentials) };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await send(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = parsed as { error?: string; code?: string; details?: ApiError["details"] } | undefined;
    throw new ApiError(res.status, error?.code ?? "HTTP_ERROR", error?.error ?? `HTTP ${res.status}`, error?.details ?? []);
  }
  return parsed as T;
}

/** Bytes from a plain route (raw message, attachment), with the session's credentials. */
export async function fetchBytes(path: string, credentials: Credentials | undefined): Promise<Blob> {
  const res = await send(`/api/v1${path}`, { headers: authHeaders(credentials) });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      message = ((await res.json()) as { error?: string }).error ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, "HTTP_ERROR", message);
  }
  return res.blob();
}

// ─── Errors in the server's own words ────────────────────────────────────────────────────────

interface MailroomErrorData {
  mailroom?: { code: string; message: string; details: { path: (string | number)[]; message: string }[] | null };
}

/** The server's message for a failed call (tRPC's data.mailroom, or the REST body), with field details. */
export function errorText(err: unknown): string {
  let message: string;
  let details: { path: (string | number)[]; message: string }[] = [];
  if (err instanceof TRPCClientError) {
    const mailroom = (err.data as MailroomErrorData | undefined)?.mailroom;
    message = mailroom?.message ?? err.message;
    details = mailroom?.details ?? [];
    if (!mailroom && /fetch/i.test(err.message)) message = "The server did not answer. Is it running?";
  } else if (err instanceof ApiError) {
    message = err.message;
    details = err.details;
  } else if (err instanceof TypeError) {
    message = "The server did not answer. Is it running?";
  } else {
    message = err instanceof Error ? err.message : String(err);
  }
  const fields = details.map((d) => `${d.path.join(".") || "input"}: ${d.message}`);
  return fields.length > 0 ? `${message} — ${fields.join("; ")}` : message;
}

/** The Mailroom error code of a failed call, when the server gave one. */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof TRPCClientError) return (err.data as MailroomErrorData | undefined)?.mailroom?.code;
  if (err instanceof ApiError) return err.code;
  return undefined;
}

// ─── The mailbox session (webmail) ───────────────────────────────────────────────────────────

export function signInMailbox(address: string, password: string): Promise<MailboxSession> {
  return rest<MailboxSession>("POST", "/session", undefined, { address, password });
}

export function signOutMailbox(csrfToken: string): Promise<unknown> {
  return rest("DELETE", "/session", { kind: "mailbox", csrfToken });
}

export type Me =
  | { kind: "admin" }
  | { kind: "tenant"; tenant: { id: string; name: string; plan: string } }
  | ({ kind: "mailbox"; tenant_id: string } & MailboxSession);

/** Who the tab's cookie (or key) is; undefined when nobody is signed in. */
export async function whoAmI(credentials?: Credentials): Promise<Me | undefined> {
  try {
    return await rest<Me>("GET", "/me", credentials);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return undefined;
    throw err;
  }
}

// ─── Small helpers ───────────────────────────────────────────────────────────────────────────

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A file's bytes as base64, for the send route's attachments. */
export async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
