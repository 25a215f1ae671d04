import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("tenant API keys", () => {
  it("shows a new secret once; listings never carry it", async () => {
    const tenant = await server.createTenant();
    const created = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "deploy" } });
    expect(created.status).toBe(201);
    expect(created.body.api_key).toMatch(/^mr_live_/);
    expect(created.body.prefix).toBe(created.body.api_key.slice(0, created.body.prefix.length));

    const list = await server.call("GET", "/api/v1/keys", { key: tenant.api_key });
    expect(list.status).toBe(200);
    expect(list.body.keys.map((k: { name: string }) => k.name).sort()).toEqual(["default", "deploy"]);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(created.body.api_key);
    expect(text).not.toContain(tenant.api_key);
    expect(list.body.keys.every((k: object) => !("api_key" in k))).toBe(true);
  });

  it("never shows or revokes another tenant's keys", async () => {
    const a = await server.createTenant();
    const b = await server.createTenant();
    const aKeys = await server.call("GET", "/api/v1/keys", { key: a.api_key });
    const aKeyId = aKeys.body.keys[0].id;

    const bKeys = await server.call("GET", "/api/v1/keys", { key: b.api_key });
    expect(bKeys.body.keys.map((k: { id: string }) => k.id)).not.toContain(aKeyId);
    expect(bKeys.body.keys.every((k: { tenant_id: string }) => k.tenant_id === b.id)).toBe(true);

    const steal = await server.call("DELETE", `/api/v1/keys/${aKeyId}`, { key: b.api_key });
    expect(steal.status).toBe(404);
    expect(steal.body).toEqual({ success: false, error: `API key ${aKeyId} not found`, code: "KEY_NOT_FOUND" });
    const stillWorks = await server.call("GET", "/api/v1/me", { key: a.api_key });
    expect(stillWorks.status).toBe(200);
  });

  it("revokes a key once; a second revoke is 404", async () => {
    const tenant = await server.createTenant();
    const extra = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: {} });
    const first = await server.call("DELETE", `/api/v1/keys/${extra.body.id}`, { key: tenant.api_key });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ deleted: true });
    const again = await server.call("DELETE", `/api/v1/keys/${extra.body.id}`, { key: tenant.api_key });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("KEY_NOT_FOUND");
    const list = await server.call("GET", "/api/v1/keys", { key: tenant.api_key });
    expect(list.body.keys.map((k: { id: string }) => k.id)).not.toContain(extra.body.id);
  });

  it("rejects a name over 100 characters and creates nothing", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "x".repeat(101) } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["name"], message: "Name must be at most 100 characters" }],
    });
    const list = await server.call("GET", "/api/v1/keys", { key: tenant.api_key });
    expect(list.body.keys).toHaveLength(1);
  });
});

describe("input no schema may see", () => {
  const NUL_ERROR = (path: (string | number)[]) => ({
    success: false,
    error: "Invalid request data",
    code: "VALIDATION_ERROR",
    details: [{ path, message: "Must not contain the NUL character" }],
  });

  async function keyCount(key: string): Promise<number> {
    const list = await server.call("GET", "/api/v1/keys", { key });
    expect(list.status).toBe(200);
    return list.body.keys.length;
  }

  it("refuses a JSON body that is not an object (null, an array, a string, a number) and creates nothing", async () => {
    const tenant = await server.createTenant();
    for (const body of ["null", "[1,2]", '"str"', "5", "true"]) {
      const res = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body });
      expect(res.status, body).toBe(400);
      expect(res.body, body).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: [], message: "Request body must be a JSON object" }],
      });
    }
    expect(await keyCount(tenant.api_key)).toBe(1);
    // A POST without a body is still an empty object.
    const bare = await server.call("POST", "/api/v1/keys", { key: tenant.api_key });
    expect(bare.status).toBe(201);
  });

  it("refuses NUL in a value or an object key, naming the field, and creates nothing", async () => {
    const tenant = await server.createTenant();
    const inValue = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "a\u0000b" } });
    expect(inValue.status).toBe(400);
    expect(inValue.body).toEqual(NUL_ERROR(["name"]));
    const inKey = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { "x\u0000": "y" } });
    expect(inKey.status).toBe(400);
    expect(inKey.body).toEqual(NUL_ERROR(["x\u0000"]));
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("refuses NUL on the tRPC surface with the same error", async () => {
    const tenant = await server.createTenant();
    const res = await fetch(`${server.url}/trpc/keys.create`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "a\u0000" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { data: { mailroom: unknown } } };
    expect(body.error.data.mailroom).toEqual({
      code: "VALIDATION_ERROR",
      message: "Invalid request data",
      details: [{ path: ["name"], message: "Must not contain the NUL character" }],
    });
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("refuses a blank name (the document's \\S pattern) and creates nothing", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: " \t " } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["name"], message: "Name must not be blank" }],
    });
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("authenticates before looking at the input: no key and a NUL is still 401", async () => {
    const res = await server.call("POST", "/api/v1/keys", { body: { name: "a\u0000" } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("MISSING_API_KEY");
  });
});
