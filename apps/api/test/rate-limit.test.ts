import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitFreshWindow } from "./support/rate-windows.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";
import { startServerProcess } from "./support/server-process.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAILROOM_RATE_LIMITS: "free:5,pro:8" });
});
afterAll(() => server.stop());

describe("rate limits", () => {
  it("counts down in headers and answers 429 with Retry-After on the request after the limit", async () => {
    const tenant = await server.createTenant("free");
    await awaitFreshWindow();
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await server.call("GET", "/api/v1/me", { key: tenant.api_key });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBe("5");
      remaining.push(res.headers.get("x-ratelimit-remaining")!);
      const reset = Number(res.headers.get("x-ratelimit-reset"));
      expect(reset * 1000).toBeGreaterThan(Date.now());
      expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000);
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);

    const limited = await server.call("GET", "/api/v1/keys", { key: tenant.api_key });
    expect(limited.status).toBe(429);
    expect(limited.body.success).toBe(false);
    expect(limited.body.code).toBe("RATE_LIMITED");
    expect(limited.body.error).toMatch(/^Rate limit of 5 requests per minute exceeded; retry in \d+ s$/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("counts concurrent requests with one key exactly: each its own number, the limit and no more pass", async () => {
    const tenant = await server.createTenant("pro");
    await awaitFreshWindow();
    // Twelve authentications in one tick share one look-up (batched per key), as a busy key's do.
    const auth = server.app.core.auth;
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => auth.authenticate(tenant.api_key)));
    expect(outcomes.map((o) => o.rateLimit.remaining).sort((a, b) => a - b)).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(outcomes.filter((o) => o.rateLimit.allowed)).toHaveLength(8);
    // The database holds the whole count: the next request over HTTP is refused.
    const next = await server.call("GET", "/api/v1/me", { key: tenant.api_key });
    expect(next.status).toBe(429);
    expect(next.body.code).toBe("RATE_LIMITED");
  });

  it("limits per key, by the tenant's plan", async () => {
    const tenant = await server.createTenant("pro");
    await awaitFreshWindow();
    const second = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: {} });
    for (let i = 0; i < 6; i++) await server.call("GET", "/api/v1/me", { key: tenant.api_key });
    const eighth = await server.call("GET", "/api/v1/me", { key: tenant.api_key });
    expect(eighth.status).toBe(200);
    expect(eighth.headers.get("x-ratelimit-limit")).toBe("8");
    expect((await server.call("GET", "/api/v1/me", { key: tenant.api_key })).status).toBe(429);
    // Another key of the same tenant has its own count.
    const other = await server.call("GET", "/api/v1/me", { key: second.body.api_key });
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ratelimit-remaining")).toBe("7");
  });

  it("applies to tRPC calls as to REST", async () => {
    const tenant = await server.createTenant("free");
    await awaitFreshWindow();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/trpc/keys.whoami`, { headers: { authorization: `Bearer ${tenant.api_key}` } });
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${server.url}/trpc/keys.whoami`, { headers: { authorization: `Bearer ${tenant.api_key}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: { data: { mailroom: { code: string } } } };
    expect(body.error.data.mailroom.code).toBe("RATE_LIMITED");
  });
});

// Two API processes on one PostgreSQL share one count. PGlite is embedded in a single process.
describe.skipIf(!testDatabaseUrl())("rate limits across processes", () => {
  it("shares one limit between two server processes on the same database", async () => {
    // No delivery workers: these processes share the run's database with the other test process,
    // whose queued mail they would otherwise claim and try to deliver with their own settings.
    const env = {
      DATABASE_URL: testDatabaseUrl(),
      MAILROOM_ADMIN_KEY: ADMIN_KEY,
      MAILROOM_RATE_LIMITS: "free:10",
      MAILROOM_DELIVERY_CONCURRENCY: "0",
    };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    try {
      const created = await fetch(`${a.url}/api/v1/admin/tenants`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "two-process" }),
      });
      const { api_key } = (await created.json()) as { api_key: string };
      await awaitFreshWindow();
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const target = i % 2 === 0 ? a : b;
        const res = await fetch(`${target.url}/api/v1/me`, { headers: { authorization: `Bearer ${api_key}` } });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(statuses[10]).toBe(429);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 180_000);
});
