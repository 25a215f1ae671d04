import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../src/root.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("one error model on both surfaces", () => {
  it("answers malformed JSON with 400 INVALID_JSON and creates nothing", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: "Request body is not valid JSON", code: "INVALID_JSON" });
    const list = await server.call("GET", "/api/v1/keys", { key: tenant.api_key });
    expect(list.body.keys).toHaveLength(1);
  });

  it("answers a non-JSON body with 415", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/keys", {
      key: tenant.api_key,
      body: "name=x",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      success: false,
      error: "Request body must be application/json",
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
  });

  it("accepts application/json with a charset, and a body-less POST", async () => {
    const tenant = await server.createTenant();
    const withCharset = await server.call("POST", "/api/v1/keys", {
      key: tenant.api_key,
      body: { name: "charset" },
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(withCharset.status).toBe(201);
    expect(withCharset.body.name).toBe("charset");
    const bare = await fetch(`${server.url}/api/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.api_key}` },
    });
    expect(bare.status).toBe(201);
  });

  it("answers a body over the size limit with 413 and creates nothing", async () => {
    const small = await startTestServer({ MAILROOM_MAX_MESSAGE_BYTES: "2048" });
    try {
      const tenant = await small.createTenant();
      // Every route but send takes at most 1 MiB, whatever the message limit.
      const res = await small.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "x".repeat(2 * 1024 * 1024) } });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        success: false,
        error: "Request body too large: this endpoint takes at most 1048576 bytes",
        code: "PAYLOAD_TOO_LARGE",
      });
      const list = await small.call("GET", "/api/v1/keys", { key: tenant.api_key });
      expect(list.body.keys).toHaveLength(1);
    } finally {
      await small.stop();
    }
  });

  it("answers unknown routes with 404 in the same body", async () => {
    // Other paths are the web app's (web-app.test.ts).
    for (const path of ["/api/v1/nothing-here", "/api/nowhere", "/v1/nothing-here", "/trpc", "/docs/nothing"]) {
      const res = await server.call("GET", path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: "No such endpoint", code: "ROUTE_NOT_FOUND" });
    }
  });

  it("gives tRPC clients the same code, status and message", async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });
    const err = await client.keys.list.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const e = err as TRPCClientError<AppRouter>;
    expect(e.message).toBe("Missing API key. Provide it via Authorization header (Bearer token) or ?key= query parameter");
    expect(e.data).toMatchObject({ httpStatus: 401, code: "UNAUTHORIZED", mailroom: { code: "MISSING_API_KEY" } });

    const tenant = await server.createTenant();
    const authed = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${tenant.api_key}` } })],
    });
    const invalid = (await authed.keys.create.mutate({ name: "" }).catch((x: unknown) => x)) as TRPCClientError<AppRouter>;
    expect(invalid.data).toMatchObject({
      httpStatus: 400,
      mailroom: { code: "VALIDATION_ERROR", details: [{ path: ["name"] }] },
    });
    const keys = await authed.keys.list.query();
    expect(keys.keys).toHaveLength(1);
  });

  it("never puts a stack trace in a response", async () => {
    const res = await server.call("POST", "/api/v1/admin/tenants", { key: "mr_live_x", body: { name: "x" } });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    const trpc = await fetch(`${server.url}/trpc/keys.list`);
    expect(await trpc.text()).not.toContain("stack");
  });
});

describe("/healthz", () => {
  it("answers 200 while the database answers", async () => {
    const res = await server.call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});
