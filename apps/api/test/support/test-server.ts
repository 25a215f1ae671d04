import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@mailroom/contracts";
import { createLogger, type DatabaseHandle, type ImapServer, type SmtpListenerStats } from "@mailroom/core";
import { startMailroom, type RunningMailroom } from "../../src/app.js";
import { getTestDatabase } from "./test-database.js";

export const ADMIN_KEY = "mr_admin_test_0123456789abcdefghijklmnop";

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: "0",
    SMTP_PORT: "0",
    SUBMISSION_PORT: "0",
    POP3_PORT: "0",
    POP3S_PORT: "0",
    // Every test server's IMAP listens on a random port: `server.app.imap.port`.
    IMAP_PORT: "0",
    IMAPS_PORT: "0",
    MAILROOM_ADMIN_KEY: ADMIN_KEY,
    MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-test-")),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...overrides,
  };
}

/** A real server on port 0 over this process's test database; tests that drive jobs turn them off. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    logTo?: { write(line: string): void };
    database?: DatabaseHandle;
    backgroundJobs?: boolean;
    /**
     * Tenants whose mail this server's delivery worker takes. Empty by default: test processes share
     * one PostgreSQL database, and a worker must never deliver another test's mail with its config.
     */
    deliveryTenants?: ReadonlySet<string>;
    /**
     * Tenants whose webhooks this server's worker sends (read at every claim); without it the
     * server runs no webhook worker or dispatcher, for the same reason as deliveryTenants.
     */
    webhookTenants?: ReadonlySet<string>;
  } = {},
): Promise<TestServer> {
  const config = parseConfig(testEnv(options.logTo ? { LOG_LEVEL: "debug", ...env } : env));
  const app = await startMailroom({
    config,
    database: options.database ?? (await getTestDatabase()),
    logger: createLogger(config.logLevel, options.logTo),
    backgroundJobs: options.backgroundJobs,
    delivery: { tenantIds: options.deliveryTenants ?? new Set() },
    webhooks: options.webhookTenants ? { tenantIds: options.webhookTenants } : false,
  });
  return new TestServer(everyListener(app));
}

/** A server of every role: each listener is there (tests of fewer roles run the process itself). */
export type FullMailroom = Omit<
  RunningMailroom,
  "httpPort" | "httpUrl" | "smtpPort" | "submissionPort" | "imap" | "smtpStats"
> & {
  httpPort: number;
  httpUrl: string;
  smtpPort: number;
  submissionPort: number;
  imap: ImapServer;
  smtpStats(): { mx: SmtpListenerStats; submission: SmtpListenerStats };
};

function everyListener(app: RunningMailroom): FullMailroom {
  const { httpPort, httpUrl, smtpPort, submissionPort, imap } = app;
  if (httpPort === null || httpUrl === null || smtpPort === null || submissionPort === null || !imap) {
    throw new Error("startTestServer runs every role; leave MAILROOM_ROLES unset");
  }
  return app as unknown as FullMailroom;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class TestServer {
  constructor(readonly app: FullMailroom) {}

  get url(): string {
    return this.app.httpUrl;
  }

  /** A real HTTP request; `key` goes in the Authorization header unless `keyIn: "query"`. */
  async call<T = any>(
    method: string,
    path: string,
    options: { key?: string; keyIn?: "header" | "query"; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<CallResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let url = `${this.url}${path}`;
    if (options.key !== undefined) {
      if (options.keyIn === "query") url += `${url.includes("?") ? "&" : "?"}key=${encodeURIComponent(options.key)}`;
      else headers.authorization = `Bearer ${options.key}`;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** A new tenant (admin API) and its first key. */
  async createTenant(plan: "free" | "pro" | "lifetime" = "free", name = `tenant-${Math.random().toString(36).slice(2, 8)}`) {
    const res = await this.call("POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name, plan } });
    if (res.status !== 201) throw new Error(`createTenant failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; name: string; plan: string; api_key: string; created_at: string };
  }

  stop(): Promise<void> {
    return this.app.stop();
  }
}
