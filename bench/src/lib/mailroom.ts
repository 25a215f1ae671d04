import { existsSync } from "node:fs";
import { get } from "node:http";
import { connect } from "node:net";
import { ExitedError, MAIN_JS, ROOT, freePort, log, waitFor } from "./env.js";
import { procStatusKb, processTree, start, type Managed } from "./processes.js";

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
  /** MAILROOM_PROCESSES (default 1): more make the server a node:cluster primary with that many workers. */
  processes?: number | undefined;
}

export interface Mailroom {
  proc: Managed;
  url: string;
  ports: { http: number; smtp: number; submission: number };
  /** Milliseconds from spawn to a healthy /healthz (in a cluster: from every worker). */
  startMs: number;
  processes: number;
  /** Peak RSS (VmHWM) so far of the server's processes (a cluster's primary and each worker). */
  peakRss(): ServerPeak;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServerPeak {
  store: Store["kind"];
  processes: number;
  /** The largest single process's peak: what the memory target is about. */
  maxPerProcessMb: number;
  /** The sum of every process's peak: what the machine had to give the whole server. */
  totalMb: number;
}

/** The peak RSS of every server the bench ran, read just before it was stopped. */
export const serverPeaks: ServerPeak[] = [];

/** VmHWM of `pid` and of every process under it, in MB (none once it has exited). */
function treePeaksMb(pid: number): number[] {
  return processTree(pid)
    .map((p) => procStatusKb(p, "VmHWM") / 1024)
    .filter((mb) => mb > 0);
}

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run pnpm build first`);
}

/**
 * `node apps/api/dist/main.js`, as `pnpm start` runs it, until /healthz answers 200 (in a cluster,
 * until each of the `processes` workers has: the first one up already takes connections, and a
 * load that started then would be measured partly on fewer processes).
 */
export async function startMailroom(options: MailroomOptions): Promise<Mailroom> {
  assertBuilt();
  for (let attempt = 1; ; attempt++) {
    const ports = options.ports ?? { http: await freePort(), smtp: await freePort(), submission: await freePort() };
    try {
      return await launch(options, ports);
    } catch (err) {
      // freePort's port was free when asked, not necessarily when the server binds it: under a
      // load's connection churn an outgoing connection can take it meanwhile. Fresh ones, then.
      const taken = err instanceof Error && err.message.includes("is already in use");
      if (!taken || options.ports || attempt === 3) throw err;
      log(`mailroom: a port was taken before the server bound it; again with new ports`);
    }
  }
}

async function launch(options: MailroomOptions, ports: Mailroom["ports"]): Promise<Mailroom> {
  const processes = options.processes ?? 1;
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
    // Never the default (on PostgreSQL one per core): every figure says which N it was measured with.
    MAILROOM_PROCESSES: String(processes),
    ...(options.store.kind === "postgres" ? { DATABASE_URL: options.store.url } : { MAILROOM_DATA_DIR: options.store.dataDir }),
    ...(options.greetPauseMs === undefined ? {} : { MAILROOM_GREET_PAUSE_MS: String(options.greetPauseMs) }),
    ...(options.relayUrl === undefined ? {} : { SMTP_RELAY_URL: options.relayUrl }),
    ...options.env,
  };
  const started = performance.now();
  const proc = start("mailroom", process.execPath, [...(options.nodeArgs ?? []), MAIN_JS], { cwd: ROOT, env });
  const url = `http://127.0.0.1:${ports.http}`;
  const healthy = new Set<number | undefined>();
  await waitFor(
    processes === 1 ? "mailroom /healthz" : `mailroom /healthz from ${processes} workers`,
    async () => {
      if (proc.exited()) throw new ExitedError(`mailroom exited while starting:\n${proc.output()}`);
      const answer = await healthz(url);
      if (answer.status === 200) healthy.add(answer.worker);
      return healthy.size >= processes;
    },
    120_000,
    10,
  ).catch((err: unknown) => {
    void proc.stop("SIGKILL");
    throw err instanceof Error && proc.exited() ? new Error(`mailroom exited while starting:\n${proc.output()}`) : err;
  });
  const startMs = performance.now() - started;
  const peakRss = (): ServerPeak => {
    const peaks = treePeaksMb(proc.pid);
    return {
      store: options.store.kind,
      processes,
      maxPerProcessMb: Math.max(0, ...peaks),
      totalMb: peaks.reduce((a, b) => a + b, 0),
    };
  };
  return {
    proc,
    url,
    ports,
    startMs,
    processes,
    peakRss,
    stop(signal = "SIGTERM") {
      if (!proc.exited()) serverPeaks.push(peakRss());
      return proc.stop(signal);
    },
  };
}

/**
 * GET /healthz on a connection of its own (a cluster hands each new connection to the next
 * worker): the status, and in a cluster the number of the worker that answered.
 */
function healthz(url: string): Promise<{ status: number; worker?: number }> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/healthz`, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        // Read, not parsed: whatever a starting server answers must not throw here.
        const worker = /"worker":\s*(\d+)/.exec(body)?.[1];
        resolve({ status: res.statusCode ?? 0, ...(worker === undefined ? {} : { worker: Number(worker) }) });
      });
      res.on("error", reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error("/healthz: no answer in 5 s")));
    req.on("error", reject);
  });
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
