import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
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
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>
  >;
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

describe("what the document says about inputs", () => {
  type JsonSchema = Record<string, any>;
  async function dereferenced() {
    const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
    return (await SwaggerParser.dereference(structuredClone(doc))) as unknown as { paths: Record<string, Record<string, any>> };
  }
  function inputSchemas(doc: { paths: Record<string, Record<string, any>> }): [string, JsonSchema][] {
    const out: [string, JsonSchema][] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of op.parameters ?? []) out.push([`${method} ${path} ${p.name}`, p.schema]);
        const body = op.requestBody?.content?.["application/json"]?.schema;
        if (body) out.push([`${method} ${path} body`, body]);
      }
    }
    return out;
  }
  function walk(schema: JsonSchema, at: string, visit: (s: JsonSchema, at: string) => void): void {
    visit(schema, at);
    for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property as JsonSchema, `${at}.${name}`, visit);
    if (schema.items) walk(schema.items, `${at}[]`, visit);
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${at}{}`, visit);
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, at, visit);
  }

  it("says every string and object key of every input refuses NUL", async () => {
    let strings = 0;
    for (const [where, schema] of inputSchemas(await dereferenced())) {
      walk(schema, where, (s, at) => {
        const types = [s.type].flat();
        if (types.includes("string")) {
          strings++;
          const rules = [s.not, ...(s.allOf ?? []).map((a: JsonSchema) => a.not)];
          expect(rules, at).toContainEqual({ type: "string", pattern: "\\u0000" });
        }
        if (types.includes("object")) expect(s.propertyNames, at).toBeDefined();
      });
    }
    expect(strings).toBeGreaterThan(40);
  });

  it("states cursor patterns, the email format and the mutually exclusive fields", async () => {
    const doc = await dereferenced();
    const param = (path: string, name: string) =>
      doc.paths[path]!.get.parameters.find((p: { name: string }) => p.name === name).schema;
    expect(param("/accounts", "cursor").pattern).toBe("^acc_[0-9a-hjkmnp-tv-z]{26}$");
    expect(param("/domains", "cursor").pattern).toBe("^dom_[0-9a-hjkmnp-tv-z]{26}$");
    expect(param("/inbox/{account_id}", "cursor").pattern).toBe("^msg_[0-9a-hjkmnp-tv-z]{26}$");
    const body = (path: string, method: string) => doc.paths[path]![method].requestBody.content["application/json"].schema;
    expect(body("/emails/create", "post").properties.email.format).toBe("email");
    expect(body("/emails/create", "post").not).toEqual({ required: ["expiresIn", "expiresAt"] });
    expect(body("/accounts/{id}", "patch").not).toEqual({ required: ["expires_in", "expires_at"] });
    expect(body("/send", "post").anyOf).toEqual([{ required: ["html"] }, { required: ["text"] }]);
    expect(body("/accounts", "post").properties.expires_in.type).toBe("integer");
  });
});

describe("the document's examples", () => {
  type JsonSchema = Record<string, any>;
  type Operation = { parameters?: JsonSchema[]; requestBody?: JsonSchema; responses: Record<string, JsonSchema> };
  async function operations(): Promise<[string, Operation][]> {
    const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
    const paths = (
      (await SwaggerParser.dereference(structuredClone(doc))) as unknown as { paths: Record<string, Record<string, Operation>> }
    ).paths;
    return Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
    );
  }
  /** Every schema inside `schema`, with where it sits. */
  function* subschemas(schema: JsonSchema, at: string): Generator<[JsonSchema, string]> {
    yield [schema, at];
    for (const [name, property] of Object.entries(schema.properties ?? {}))
      yield* subschemas(property as JsonSchema, `${at}.${name}`);
    if (schema.items) yield* subschemas(schema.items, `${at}[]`);
    if (typeof schema.additionalProperties === "object") yield* subschemas(schema.additionalProperties, `${at}{}`);
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
      yield* subschemas(branch, at);
  }
  const hasExample = (schema: JsonSchema): boolean =>
    Array.isArray(schema.examples) || (Array.isArray(schema.anyOf) && schema.anyOf.every(hasExample));
  const jsonSchemas = (op: Operation): [JsonSchema, string][] => [
    ...(op.parameters ?? []).map((p) => [p.schema, `parameter ${p.name}`] as [JsonSchema, string]),
    ...Object.entries(op.requestBody?.content ?? {}).map(
      ([type, m]) => [(m as JsonSchema).schema, `body ${type}`] as [JsonSchema, string],
    ),
    ...Object.entries(op.responses).flatMap(([status, r]) =>
      Object.entries(r.content ?? {}).map(([type, m]) => [(m as JsonSchema).schema, `${status} ${type}`] as [JsonSchema, string]),
    ),
  ];

  it("are valid against the schema they illustrate, wherever they sit", async () => {
    const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addFormat("binary", true);
    let validated = 0;
    for (const [name, op] of await operations()) {
      for (const parameter of op.parameters ?? []) {
        if (parameter.example === undefined) continue;
        expect(
          ajv.validate(parameter.schema, parameter.example),
          `${name} parameter ${parameter.name}: ${ajv.errorsText()}`,
        ).toBe(true);
        validated++;
      }
      for (const [root, where] of jsonSchemas(op)) {
        for (const [schema, at] of subschemas(root, `${name} ${where}`)) {
          for (const example of schema.examples ?? []) {
            expect(ajv.validate(schema, example), `${at}: ${ajv.errorsText()} in ${JSON.stringify(example)}`).toBe(true);
            validated++;
          }
        }
      }
    }
    expect(validated).toBeGreaterThan(100);
  });

  it("are realistic: real id formats, 2026 timestamps, no placeholder strings", async () => {
    const doc = JSON.stringify((await server.call("GET", "/api/v1/openapi.json")).body);
    const examples = [...doc.matchAll(/"examples?":(\[[^\]]*\]|"[^"]*")/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThan(50);
    for (const text of examples) {
      expect(text, "a placeholder").not.toMatch(/"(string|user@example\.com|foo|bar|test)"/);
      for (const id of text.match(/"(ten|key|dom|acc|msg|att|dlv)_[^"]*"(?!:)/g) ?? [])
        expect(id).toMatch(/^"[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}"$/);
      for (const year of text.match(/"(\d{4})-\d\d-\d\dT/g) ?? []) expect(year).toContain("2026");
    }
  });

  it("cover every parameter, every request body and every JSON success response", async () => {
    for (const [name, op] of await operations()) {
      for (const parameter of op.parameters ?? []) expect(parameter.example, `${name} parameter ${parameter.name}`).toBeDefined();
      const body = op.requestBody?.content?.["application/json"]?.schema as JsonSchema | undefined;
      if (body) {
        const everyProperty = Object.values(body.properties ?? {}).every((p) => hasExample(p as JsonSchema));
        expect(hasExample(body) || everyProperty, `${name} request body`).toBe(true);
      }
      const success = Object.entries(op.responses).find(([status]) => status === "200" || status === "201");
      expect(success, name).toBeDefined();
      const json = success![1].content?.["application/json"]?.schema as JsonSchema | undefined;
      if (json) expect(hasExample(json), `${name} ${success![0]} response`).toBe(true);
    }
  });
});
