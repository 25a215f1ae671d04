import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/root.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
};

describe("openapi.json", () => {
  it("is served at both base paths and passes a standard validator", async () => {
    const res = await server.call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const alias = await server.call("GET", "/v1/openapi.json");
    expect(alias.body).toEqual(res.body);
    // validate() throws on any schema violation; it dereferences a copy.
    await SwaggerParser.validate(structuredClone(res.body));
  });

  it("describes every REST procedure, creates as 201, and the real error body", async () => {
    const doc = (await server.call("GET", "/api/v1/openapi.json")).body as Doc;
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { meta?: { openapi?: { method: string; path: string }; successStatus?: number } } }
    >;
    let checked = 0;
    for (const [name, procedure] of Object.entries(procedures)) {
      const meta = procedure._def.meta;
      if (!meta?.openapi) continue;
      const operation = doc.paths[meta.openapi.path]?.[meta.openapi.method.toLowerCase()];
      expect(operation, `${name} is in the document`).toBeDefined();
      const success = String(meta.successStatus ?? 200);
      expect(Object.keys(operation!.responses), name).toContain(success);
      expect(operation!.responses["401"]?.content?.["application/json"]?.schema.$ref).toBe("#/components/schemas/Error");
      expect(operation!.responses["400"]?.content?.["application/json"]?.schema.$ref).toBe("#/components/schemas/Error");
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(7);
    expect(Object.keys(doc.paths["/admin/tenants"]!.post!.responses)).toContain("201");
    expect(Object.keys(doc.paths["/admin/tenants"]!.post!.responses)).not.toContain("200");
  });

  it("matches what the server really answers for a create and an error", async () => {
    const tenant = await server.createTenant();
    const created = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: "x" } });
    expect(created.status).toBe(201);
    const error = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: { name: 5 } });
    expect(error.status).toBe(400);
    expect(Object.keys(error.body).sort()).toEqual(["code", "details", "error", "success"]);
  });
});
