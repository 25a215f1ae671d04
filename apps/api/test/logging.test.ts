import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

const lines: string[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { logTo: { write: (line) => lines.push(line) } });
});
afterAll(() => server.stop());

describe("logs", () => {
  it("are structured JSON and never contain an API key, from a header, a query string or a response", async () => {
    const tenant = await server.createTenant();
    await server.call("GET", "/api/v1/me", { key: tenant.api_key, keyIn: "query" });
    await server.call("GET", "/api/v1/me", { key: tenant.api_key });
    const created = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "logged?" } });
    await server.call("GET", "/api/v1/keys?key=mr_live_notarealkeybutsecret000000000000");

    expect(lines.length).toBeGreaterThan(3);
    const records = lines.map((l) => JSON.parse(l) as { msg: string; path?: string });
    expect(records.some((r) => r.msg === "http request" && r.path === "/api/v1/me?key=[redacted]")).toBe(true);
    const all = lines.join("\n");
    for (const secret of [tenant.api_key, created.body.api_key, "mr_live_notarealkeybutsecret000000000000"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toContain(server.app.core.deps.config.adminKey!);
  });

  it("never contain a key or password sent where no parameter name says so", async () => {
    const tenant = await server.createTenant();
    const key = tenant.api_key;
    const password = "hunter2-correct-horse";
    const from = lines.length;
    await server.call("GET", `/api/v1/me?%6Bey=${key}`);
    await server.call("GET", `/api/v1/me?k%65y=${key}`);
    await server.call("GET", `/api/v1/me?KEY=${key}`);
    await server.call("GET", `/api/v1/me?mistyped=${key.replace(/_/g, "%5F")}`);
    await server.call("GET", `/nonexistent/${key}`);
    await server.call("GET", `/api/v1/keys/${key}`);
    await server.call("GET", `/trpc/keys.list?input=${encodeURIComponent(JSON.stringify({ key }))}`);
    const input = encodeURIComponent(JSON.stringify({ domain: "ig.do", username: "leaky", password }));
    await server.call("GET", `/trpc/accounts.create?input=${input}`, { key });
    await server.call("GET", `/api/v1/me?password=${password}`);
    // A tRPC input that fails inside a procedure is logged with the error, key-shaped values and all.
    server.app.core.deps.logger.error({ input: { note: `pasted ${key} here` } }, `failed for ${key}`);

    const logged = lines.slice(from).join("\n");
    expect(lines.length - from).toBeGreaterThanOrEqual(10);
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(key.slice("mr_live_".length));
    expect(logged).not.toContain(password);
    expect(logged).toContain("[redacted]");
    const paths = lines
      .slice(from)
      .map((l) => (JSON.parse(l) as { path?: string }).path)
      .filter(Boolean);
    expect(paths).toContain("/api/v1/me?%6Bey=[redacted]");
    expect(paths).toContain("/nonexistent/[redacted]");
  });
});
