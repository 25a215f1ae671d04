import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundJobs } from "../src/background-jobs.js";
import { eventually, FakeSmtp } from "./support/fake-smtp.js";
import { awaitFreshWindow } from "./support/rate-windows.js";
import { composeMessage, MX_DOMAINS, MX_HOSTNAME, mxTransport } from "./support/receiving.js";
import { createScratchDatabase, type ScratchDatabase } from "./support/scratch-database.js";
import { runMain, startServerProcess, type ServerProcess } from "./support/server-process.js";
import { uniqueLocal } from "./support/test-domains.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { ADMIN_KEY } from "./support/test-server.js";

interface Reply {
  status: number;
  body: any;
}

/** One request on a connection of its own: the cluster hands each new connection to the next worker. */
function call(base: string, method: string, path: string, options: { key?: string; body?: unknown } = {}): Promise<Reply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * A database of its own on the run's PostgreSQL server: these processes run delivery, webhook
 * workers and periodic jobs for every tenant, which must not touch other test files' rows.
 */
function ownDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(testDatabaseUrl()!, "mailroom_cluster");
}

/** JSON log lines of a process (and its workers) whose `msg` is `message`. */
function logLines(server: ServerProcess, message: string): Record<string, any>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes(`"msg":"${message}"`))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A tenant and one mailbox on a system domain, through the API. */
async function tenantWithMailbox(base: string, plan: "free" | "pro" = "free") {
  const tenant = await call(base, "POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name: uniqueLocal("cl"), plan } });
  expect(tenant.status, JSON.stringify(tenant.body)).toBe(201);
  const key = tenant.body.api_key as string;
  const account = await call(base, "POST", "/api/v1/accounts", {
    key,
    body: { domain: "ig.do", username: uniqueLocal("cl"), password: "securePass123" },
  });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  return { key, accountId: account.body.id as string, address: account.body.email as string };
}

/** Mail through the MX for `to`, with a subject no other message has. */
async function mailTo(smtpPort: number, to: string, subject: string): Promise<void> {
  const raw = await composeMessage({ from: "dora@sender.test", to, subject, text: "hello" });
  await mxTransport(smtpPort).sendMail({ envelope: { from: "dora@sender.test", to: [to] }, raw });
}

/** A wait on `base` for `subject`, with the mail sent through `smtpPort` once the wait is under way. */
async function waitSees(base: string, smtpPort: number, box: { key: string; accountId: string; address: string }) {
  const subject = `cross-process ${randomBytes(4).toString("hex")}`;
  const since = new Date(Date.now() - 1000).toISOString();
  const waiting = call(
    base,
    "GET",
    `/api/v1/inbox/${box.accountId}/wait?timeout=20&since=${encodeURIComponent(since)}&subject=${encodeURIComponent(subject)}`,
    { key: box.key },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  await mailTo(smtpPort, box.address, subject);
  const res = await waiting;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.subject).toBe(subject);
}

const STORE_ENV = { MAILROOM_SYSTEM_DOMAINS: MX_DOMAINS, MAILROOM_HOSTNAME: MX_HOSTNAME, MAILROOM_GREET_PAUSE_MS: "0" };

describe.skipIf(!testDatabaseUrl())("MAILROOM_PROCESSES=2 on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof ownDatabase>>;
  let relay: FakeSmtp;
  let server: ServerProcess | undefined;
  const pids = new Set<number>();

  beforeAll(async () => {
    database = await ownDatabase();
    relay = await FakeSmtp.start();
    server = await startServerProcess({
      ...STORE_ENV,
      DATABASE_URL: database.url,
      MAILROOM_PROCESSES: "2",
      MAILROOM_ADMIN_KEY: ADMIN_KEY,
      MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-cluster-")),
      MAILROOM_RATE_LIMITS: "pro:12",
      MAILROOM_JOB_INTERVAL_SECONDS: "1",
      SMTP_RELAY_URL: `smtp://127.0.0.1:${relay.port}`,
      LOG_LEVEL: "debug",
    });
    // A worker's log line may reach the pipe just after the primary's "mailroom started".
    const started = await eventually(() => {
      const lines = logLines(server!, "worker started");
      return lines.length >= 2 && lines;
    }, 10_000);
    for (const line of started) pids.add(line.pid);
  }, 240_000);

  afterAll(async () => {
    // Whatever a failed test left: the primary, then any worker still there.
    if (server && server.child.exitCode === null) await server.stop("SIGKILL");
    for (const line of server ? logLines(server, "worker started") : []) if (alive(line.pid)) process.kill(line.pid, "SIGKILL");
    await relay?.stop();
    await database?.drop();
  }, 60_000);

  it("starts two workers, and new connections are answered by both", async () => {
    expect(pids.size).toBe(2);
    expect(logLines(server!, "mailroom started")).toHaveLength(1);
    const workers = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const res = await call(server!.url, "GET", "/healthz");
      expect(res.status).toBe(200);
      workers.add(res.body.worker);
    }
    expect(workers.size).toBe(2);
  });

  it("counts a key's requests against one limit, whichever worker answers", async () => {
    await awaitFreshWindow();
    const tenant = await call(server!.url, "POST", "/api/v1/admin/tenants", {
      key: ADMIN_KEY,
      body: { name: "limited", plan: "pro" },
    });
    const key = tenant.body.api_key as string;
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await call(server!.url, "GET", "/api/v1/me", { key })).status);
    expect(statuses.slice(0, 12)).toEqual(Array(12).fill(200));
    expect(statuses[12]).toBe(429);
  });

  it("ends a wait with mail taken by the MX of either worker", async () => {
    const box = await tenantWithMailbox(server!.url);
    // Waits and mail sessions alternate between the workers: four rounds cover both pairings.
    for (let i = 0; i < 4; i++) await waitSees(server!.url, server!.smtpPort, box);
  }, 120_000);

  it("delivers each sent message once, with a delivery worker in each process", async () => {
    const box = await tenantWithMailbox(server!.url, "pro");
    const subjects: string[] = [];
    for (let i = 0; i < 6; i++) {
      const subject = `once ${i} ${randomBytes(3).toString("hex")}`;
      subjects.push(subject);
      const res = await call(server!.url, "POST", "/api/v1/send", {
        key: box.key,
        body: { from: box.address, to: `far${i}@nowhere.example`, subject, text: "x" },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    await eventually(() => relay.received.length >= subjects.length, 60_000);
    // Time for a second copy to arrive, had two workers taken one delivery.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const got = relay.received.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]?.trim()).sort();
    expect(got).toEqual([...subjects].sort());
  }, 120_000);

  it("runs each periodic job once per interval across both workers", async () => {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const runs = logLines(server!, "background job ran");
    const byJob = new Map<string, number[]>();
    for (const run of runs) byJob.set(run.job, [...(byJob.get(run.job) ?? []), Date.parse(run.next)]);
    // Every job the server schedules (the list is read, its jobs are not run here).
    const scheduled = backgroundJobs({} as Parameters<typeof backgroundJobs>[0]).map((job) => job.name);
    expect([...byJob.keys()].sort()).toEqual(scheduled.sort());
    for (const [job, dueTimes] of byJob) {
      dueTimes.sort((a, b) => a - b);
      expect(dueTimes.length, job).toBeGreaterThanOrEqual(3);
      // A run is claimed only once the last one's next run is due: claims are an interval apart.
      for (let i = 1; i < dueTimes.length; i++) expect(dueTimes[i]! - dueTimes[i - 1]!, job).toBeGreaterThanOrEqual(1000);
    }
    // Both workers took runs: the claim, not a fixed owner, decides.
    expect(new Set(runs.map((r) => r.worker)).size).toBe(2);
  }, 60_000);

  it("replaces a worker killed outright, and keeps answering meanwhile", async () => {
    const victim = [...pids][0]!;
    process.kill(victim, "SIGKILL");
    await eventually(() => logLines(server!, "worker died; replacing it").some((l) => l.workerPid === victim), 20_000);
    expect((await call(server!.url, "GET", "/healthz")).status).toBe(200);
    const replacement = await eventually(() => logLines(server!, "worker started").find((l) => !pids.has(l.pid)), 120_000);
    const starting = logLines(server!, "worker starting").find((l) => l.workerPid === replacement.pid);
    expect(starting?.replaces).toBeDefined();
    pids.add(replacement.pid);
    const workers = new Set<number>();
    for (let i = 0; i < 10; i++) workers.add((await call(server!.url, "GET", "/healthz")).body.worker);
    expect(workers).toContain(replacement.worker);
    expect(workers.size).toBe(2);
  }, 180_000);

  it("drains every worker on SIGTERM and exits 0", async () => {
    expect(await server!.stop("SIGTERM")).toBe(0);
    for (const pid of pids) expect(alive(pid), `worker ${pid}`).toBe(false);
    expect(logLines(server!, "shutting down").length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe.skipIf(!testDatabaseUrl())("two machines' worth of roles on one PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof ownDatabase>>;
  let relay: FakeSmtp;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await ownDatabase();
    relay = await FakeSmtp.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop("SIGKILL")));
    await relay?.stop();
    await database?.drop();
  }, 60_000);

  it("reads mail the MX process took through the API process's wait, and the API process delivers once", async () => {
    const env = {
      ...STORE_ENV,
      DATABASE_URL: database.url,
      MAILROOM_ADMIN_KEY: ADMIN_KEY,
      SMTP_RELAY_URL: `smtp://127.0.0.1:${relay.port}`,
    };
    // Both at once: the migration and the first-start work race, as on two machines.
    const [api, mx] = await Promise.all([
      startServerProcess({ ...env, MAILROOM_ROLES: "api,delivery", MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mr-api-")) }),
      startServerProcess({ ...env, MAILROOM_ROLES: "mx", MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mr-mx-")) }),
    ]);
    servers.push(api, mx);
    const [apiStarted] = logLines(api, "mailroom started");
    const [mxStarted] = logLines(mx, "mailroom started");
    // Each runs only its listeners.
    expect(apiStarted).toMatchObject({ smtpPort: null, imapPort: null, pop3Port: null });
    expect(mxStarted).toMatchObject({ port: null, imapPort: null, pop3Port: null });

    const box = await tenantWithMailbox(api.url, "pro");
    await waitSees(api.url, mx.smtpPort, box);

    const subject = `from the api process ${randomBytes(3).toString("hex")}`;
    const sent = await call(api.url, "POST", "/api/v1/send", {
      key: box.key,
      body: { from: box.address, to: "far@nowhere.example", subject, text: "x" },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    await eventually(() => relay.received.length >= 1, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(relay.received).toHaveLength(1);
    expect(relay.received[0]!.raw.toString()).toContain(subject);

    expect(await mx.stop("SIGTERM")).toBe(0);
    expect(await api.stop("SIGTERM")).toBe(0);
  }, 240_000);
});

describe("cluster settings refused at start", () => {
  async function exitOf(env: Record<string, string>): Promise<{ code: number; output: string }> {
    const { child, output } = runMain({ PORT: "0", MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-refused-")), ...env });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const [code] = (await once(child, "exit")) as [number];
    clearTimeout(timer);
    return { code, output: output() };
  }

  it("refuses more than one process on the embedded PGlite database (exit 78)", async () => {
    const { code, output } = await exitOf({ MAILROOM_PROCESSES: "2" });
    expect(code).toBe(78);
    expect(output).toBe(
      "Invalid configuration:\n  MAILROOM_PROCESSES: more than one process needs PostgreSQL (set DATABASE_URL); " +
        "the embedded PGlite database serves one process\n",
    );
  }, 90_000);

  it("names an unknown role (exit 78)", async () => {
    const { code, output } = await exitOf({ MAILROOM_ROLES: "api,foo" });
    expect(code).toBe(78);
    expect(output).toBe(
      'Invalid configuration:\n  MAILROOM_ROLES: unknown role "foo" (roles: api, mx, submission, imap, pop3, delivery, webhooks, jobs)\n',
    );
  }, 90_000);
});
