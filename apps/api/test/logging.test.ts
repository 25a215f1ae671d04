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
});
