import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

const MISSING = "Missing API key. Provide it via Authorization header (Bearer token) or ?key= query parameter";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("authentication", () => {
  it("accepts a tenant key as a Bearer token", async () => {
    const tenant = await server.createTenant("pro");
    const res = await server.call("GET", "/api/v1/me", { key: tenant.api_key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "tenant", tenant: { id: tenant.id, plan: "pro" } });
  });

  it("accepts a tenant key as ?key= and under the hosting-style API's /v1 base path", async () => {
    const tenant = await server.createTenant();
    const viaQuery = await server.call("GET", "/api/v1/me", { key: tenant.api_key, keyIn: "query" });
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body.tenant.id).toBe(tenant.id);
    const viaV1 = await server.call("GET", "/v1/me", { key: tenant.api_key });
    expect(viaV1.status).toBe(200);
    expect(viaV1.body.tenant.id).toBe(tenant.id);
  });

  it("answers 401 with the temp-mail-style API's message when no key is given", async () => {
    for (const path of ["/api/v1/keys", "/v1/keys"]) {
      const res = await server.call("GET", path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: MISSING, code: "MISSING_API_KEY" });
    }
  });

  it("answers 401 for an unknown, malformed or revoked key, naming the reason", async () => {
    const unknown = await server.call("GET", "/api/v1/keys", { key: "mr_live_doesnotexist0000000000000000000000" });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({
      success: false,
      error: "Invalid or expired API key: no such key",
      code: "INVALID_API_KEY",
    });

    const malformed = await server.call("GET", "/api/v1/keys", { key: "hello", keyIn: "query" });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error).toBe("Invalid or expired API key: the key is not in the mr_live_… format");

    const tenant = await server.createTenant();
    const second = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: {} });
    expect(second.status).toBe(201);
    const revoke = await server.call("DELETE", `/api/v1/keys/${second.body.id}`, { key: tenant.api_key });
    expect(revoke.status).toBe(200);
    const revoked = await server.call("GET", "/api/v1/keys", { key: second.body.api_key });
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual({
      success: false,
      error: "Invalid or expired API key: the key has been revoked",
      code: "INVALID_API_KEY",
    });
  });

  it("treats a non-Bearer Authorization header as no key", async () => {
    const res = await server.call("GET", "/api/v1/keys", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("MISSING_API_KEY");
  });
});

describe("admin and tenant rights", () => {
  it("refuses admin routes to a tenant key, and creates nothing", async () => {
    const tenant = await server.createTenant();
    const before = await server.call("GET", "/api/v1/admin/tenants", { key: ADMIN_KEY });
    const res = await server.call("POST", "/api/v1/admin/tenants", { key: tenant.api_key, body: { name: "sneaky" } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, error: "This endpoint requires the admin key", code: "ADMIN_ONLY" });
    const list = await server.call("GET", "/api/v1/admin/tenants", { key: tenant.api_key });
    expect(list.status).toBe(403);
    const after = await server.call("GET", "/api/v1/admin/tenants", { key: ADMIN_KEY });
    expect(after.body.tenants.some((t: { name: string }) => t.name === "sneaky")).toBe(false);
    expect(after.body.total).toBeGreaterThanOrEqual(before.body.total);
  });

  it("refuses tenant routes to the admin key", async () => {
    const res = await server.call("GET", "/api/v1/keys", { key: ADMIN_KEY });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, error: "This endpoint requires a tenant API key", code: "TENANT_ONLY" });
  });

  it("lets the admin key say who it is", async () => {
    const res = await server.call("GET", "/api/v1/me", { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "admin", tenant: null, key_id: null });
  });
});
