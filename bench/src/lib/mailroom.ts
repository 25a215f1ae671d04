import { existsSync } from "node:fs";
import { connect } from "node:net";
import { ExitedError, MAIN_JS, ROOT, freePort, waitFor } from "./env.js";
import { start, type Managed } from "./processes.js";

export const SYSTEM_DOMAIN = "bench.test";
export const ADMIN_KEY = "mr_admin_bench_0123456789abcdefghijklmnop";

export type Store = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

export interface MailroomOptions {
  store: Store;
  dns: string;
  /** MAILROOM_GREET_PAUSE_MS; undefined leaves the server's default. */
  greetPauseMs?: number | undefined;
  /** SMTP_RELAY_URL. */
  relayUrl?: string | undefined;
  /** Ports to reuse (a restart after SIGKILL keeps them, as clients expect). */
  ports?: { http: number; smtp: number; submission: number } | undefined;
  env?: Record<string, string> | undefined;
  nodeArgs?: string[] | undefined;
}

export interface Mailroom {
  proc: Managed;
  url: string;
  ports: { http: number; smtp: number; submission: number };
  /** Milliseconds from spawn to a healthy /healthz. */
  startMs: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Peak RSS (VmHWM) of every server process the bench ran, read just before it was stopped. */
export const serverPeaks: { label: string; mb: number }[] = [];

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run pnpm build first`);
}

/** `node apps/api/dist/main.js`, as `pnpm start` runs it, until /healthz answers 200. */
export async function startMailroom(options: MailroomOptions): Promise<Mailroom> {
  assertBuilt();
  const ports = options.ports ?? { http: await freePort(), smtp: await freePort(), submission: await freePort() };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PORT: String(ports.http),
    SMTP_PORT: String(ports.smtp),
    SUBMISSION_PORT: String(ports.submission),
    // Nothing here measures POP3; off, so a bench run never collides with a running server's.
    POP3_PORT: "off",
    MAILROOM_ADMIN_KEY: ADMIN_KEY,
    MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAIN,
    MAILROOM_HOSTNAME: "mx.bench.test",
    MAILROOM_DNS_SERVERS: options.dns,
    // The bench's load is one tenant's: no plan limit may be what is measured.
    MAILROOM_RATE_LIMITS: "free:100000000,pro:100000000,lifetime:100000000",
    // Every bench session comes from 127.0.0.1: the per-client SMTP limits must not be what is measured either.
    MAILROOM_SMTP_MAX_SESSIONS_PER_IP: "100000",
    MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE: "1000000",
    LOG_LEVEL: "warn",
    // The recorded numbers are one process's (on PostgreSQL the default is one per core); a benchmark of several sets it.
    MAILROOM_PROCESSES: "1",
    ...(options.store.kind === "postgres" ? { DATABASE_URL: options.store.url } : { MAILROOM_DATA_DIR: options.store.dataDir }),
    ...(options.greetPauseMs === undefined ? {} : { MAILROOM_GREET_PAUSE_MS: String(options.greetPauseMs) }),
    ...(options.relayUrl === undefined ? {} : { SMTP_RELAY_URL: options.relayUrl }),
    ...options.env,
  };
  const started = performance.now();
  const proc = start("mailroom", process.execPath, [...(options.nodeArgs ?? []), MAIN_JS], { cwd: ROOT, env });
  const url = `http://127.0.0.1:${ports.http}`;
  await waitFor(
    "mailroom /healthz",
    async () => {
      if (proc.exited()) throw new ExitedError(`mailroom exited while starting:\n${proc.output()}`);
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    120_000,
    10,
  ).catch((err: unknown) => {
    void proc.stop("SIGKILL");
    throw err instanceof Error && proc.exited() ? new Error(`mailroom exited while starting:\n${proc.output()}`) : err;
  });
  const startMs = performance.now() - started;
  const label = options.store.kind;
  return {
    proc,
    url,
    ports,
    startMs,
    stop(signal = "SIGTERM") {
      serverPeaks.push({ label, mb: proc.peakRssMb() });
      return proc.stop(signal);
    },
  };
}

export async function api<T>(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json: json as T };
}

export interface Tenant {
  tenantId: string;
  apiKey: string;
  mailboxId: string;
  address: string;
}

/** A lifetime-plan tenant and one mailbox on the system domain, through the REST API. */
export async function createTenantWithMailbox(base: string, local = "inbox"): Promise<Tenant> {
  const tenant = await api<{ id: string; api_key: string }>(base, ADMIN_KEY, "POST", "/admin/tenants", {
    name: "bench",
    plan: "lifetime",
  });
  if (tenant.status !== 201) throw new Error(`POST /admin/tenants: ${tenant.status} ${JSON.stringify(tenant.json)}`);
  const address = `${local}@${SYSTEM_DOMAIN}`;
  const mailbox = await api<{ data: { id: string } }>(base, tenant.json.api_key, "POST", "/emails/create", { email: address });
  if (mailbox.status !== 201) throw new Error(`POST /emails/create: ${mailbox.status} ${JSON.stringify(mailbox.json)}`);
  return { tenantId: tenant.json.id, apiKey: tenant.json.api_key, mailboxId: mailbox.json.data.id, address };
}

/** Whether anything answers on the MX port with a 220 greeting. */
export async function smtpAvailable(port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once("data", (d) => finish(d.toString().startsWith("220")));
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

/** Whether POST /api/v1/send exists: anything but 404 for an empty body. */
export async function sendApiAvailable(base: string, key: string): Promise<boolean> {
  const res = await api<unknown>(base, key, "POST", "/send", {});
  return res.status !== 404;
}
