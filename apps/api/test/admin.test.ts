import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function tenantNames(): Promise<string[]> {
  const res = await server.call("GET", "/api/v1/admin/tenants", { key: ADMIN_KEY });
  expect(res.status).toBe(200);
  return res.body.tenants.map((t: { name: string }) => t.name);
}

describe("admin: tenants", () => {
  it("creates a tenant with 201, a typed id, the default plan and a working key", async () => {
    const res = await server.call("POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name: "Acme Ltd" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "Acme Ltd", plan: "free" });
    expect(res.body.id).toMatch(/^ten_[0-9a-z]{26}$/);
    expect(res.body.api_key).toMatch(/^mr_live_[A-Za-z0-9]{32,}$/);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    const me = await server.call("GET", "/api/v1/me", { key: res.body.api_key });
    expect(me.body.tenant.id).toBe(res.body.id);
    expect(await tenantNames()).toContain("Acme Ltd");
  });

  it("rejects a bad plan and an empty name with field details, and creates nothing", async () => {
    const name = `bad-${Date.now()}`;
    const badPlan = await server.call("POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name, plan: "gold" } });
    expect(badPlan.status).toBe(400);
    expect(badPlan.body.success).toBe(false);
    expect(badPlan.body.code).toBe("VALIDATION_ERROR");
    expect(badPlan.body.error).toBe("Invalid request data");
    expect(badPlan.body.details).toEqual([{ path: ["plan"], message: 'Plan must be one of "free", "pro", "lifetime"' }]);

    const noName = await server.call("POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name: "  " } });
    expect(noName.status).toBe(400);
    expect(noName.body.details).toEqual([{ path: ["name"], message: "Name is required" }]);
    expect(await tenantNames()).not.toContain(name);
  });

  it("issues further keys for a tenant, and 404s for an unknown tenant", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", `/api/v1/admin/tenants/${tenant.id}/keys`, {
      key: ADMIN_KEY,
      body: { name: "ci" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenant_id: tenant.id, name: "ci" });
    const me = await server.call("GET", "/api/v1/me", { key: res.body.api_key });
    expect(me.body.tenant.id).toBe(tenant.id);

    const missing = await server.call("POST", "/api/v1/admin/tenants/ten_00000000000000000000000000/keys", {
      key: ADMIN_KEY,
      body: {},
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      success: false,
      error: "Tenant ten_00000000000000000000000000 not found",
      code: "TENANT_NOT_FOUND",
    });
  });
});

describe("admin: NUL in a tenant name", () => {
  it("is a 400 naming the field, and no tenant is created", async () => {
    const name = `nul\u0000${Date.now()}`;
    const res = await server.call("POST", "/api/v1/admin/tenants", { key: ADMIN_KEY, body: { name } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["name"], message: "Must not contain the NUL character" }],
    });
    // Other test files create tenants in the same database at the same time: look for this one only.
    const names = await tenantNames();
    expect(names.filter((n) => n.startsWith(name.slice(0, 3)) && n.endsWith(name.slice(4)))).toEqual([]);
  });
});
