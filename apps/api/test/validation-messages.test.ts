import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

/*
 * Walks every operation of /api/v1/openapi.json over real HTTP: each required field left out, each
 * field of the wrong type. Every answer is a 400 whose details word the problem for people, one
 * message for the field, never zod's own "Invalid input: expected string, received undefined".
 */

type JsonSchema = Record<string, any>;
interface Parameter {
  name: string;
  in: "path" | "query";
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}

/** zod's own wording, which no client should see. */
const ZOD_WORDING =
  /^(Invalid input|Invalid option|Invalid string|Invalid key|Invalid element|Invalid ISO|Too small|Too big|Expected|Unrecognized key)/;

let server: TestServer;
let tenantKey: string;
let operations: Operation[];

beforeAll(async () => {
  server = await startTestServer();
  tenantKey = (await server.createTenant("pro")).api_key;
  const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
  const paths = (
    (await SwaggerParser.dereference(structuredClone(doc))) as unknown as { paths: Record<string, Record<string, any>> }
  ).paths;
  operations = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.["application/json"]?.schema,
    })),
  );
});
afterAll(() => server.stop());

const types = (s: JsonSchema): string[] =>
  [s.type, ...(s.anyOf ?? []).map(types), ...(s.oneOf ?? []).map(types)].flat(2).filter(Boolean);

/** A JSON value the field's schema refuses for its type: a number where text goes, text elsewhere. */
const wrongType = (s: JsonSchema): unknown => (types(s).includes("string") ? 12345 : "some text");

/** A valid value for every required field, from the document's own examples. */
function validBody(op: Operation): Record<string, unknown> {
  const example = op.body?.examples?.[0] ?? {};
  const body: Record<string, unknown> = {};
  for (const name of op.body?.required ?? []) body[name] = example[name];
  return body;
}

function call(op: Operation, query: Record<string, string>, body: unknown) {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const p = op.parameters.find((x) => x.name === name)!;
    return encodeURIComponent(String(p.schema.examples?.[0] ?? "x"));
  });
  const search = new URLSearchParams(query).toString();
  const key = op.path.startsWith("/admin") ? ADMIN_KEY : tenantKey;
  return server.call(op.method, `/api/v1${path}${search ? `?${search}` : ""}`, { key, body });
}

function expectHumanMessage(res: { status: number; body: any }, field: string, where: string) {
  expect(res.status, where).toBe(400);
  expect(res.body.code, where).toBe("VALIDATION_ERROR");
  const messages = (res.body.details as { path: (string | number)[]; message: string }[])
    .filter((d) => d.path[0] === field)
    .map((d) => d.message);
  expect(messages, `${where}: one message for ${field}`).toHaveLength(1);
  for (const detail of res.body.details) expect(detail.message, where).not.toMatch(ZOD_WORDING);
  return messages[0]!;
}

describe("validation messages", () => {
  it("name each missing required field: '<Field> is required'", async () => {
    let checked = 0;
    for (const op of operations.filter((o) => o.body?.required?.length)) {
      for (const field of op.body!.required as string[]) {
        const body = validBody(op);
        delete body[field];
        const where = `${op.method} ${op.path} without ${field}`;
        expect(expectHumanMessage(await call(op, {}, body), field, where), where).toMatch(/ is required$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it("say what each body field must be when it has the wrong type", async () => {
    let checked = 0;
    for (const op of operations.filter((o) => o.body)) {
      for (const [field, schema] of Object.entries(op.body!.properties ?? {})) {
        const body = { ...validBody(op), [field]: wrongType(schema as JsonSchema) };
        const where = `${op.method} ${op.path} with ${field}: ${JSON.stringify(body[field])}`;
        const message = expectHumanMessage(await call(op, {}, body), field, where);
        expect(message.length, where).toBeGreaterThan(5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it("say what each typed query parameter must be when the text is not one", async () => {
    let checked = 0;
    for (const op of operations) {
      for (const p of op.parameters.filter((x) => x.in === "query")) {
        // Plain text parameters take any text; the typed ones (numbers, flags, date-times, cursors) do not.
        const typed =
          !types(p.schema).every((t) => t === "string") || p.schema.enum || p.schema.pattern?.startsWith("^") || p.schema.format;
        if (!typed) continue;
        const where = `${op.method} ${op.path}?${p.name}=not-a-value`;
        expectHumanMessage(await call(op, { [p.name]: "not-a-value" }, undefined), p.name, where);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("keep the temp-mail dialect's own words", async () => {
    const create = operations.find((o) => o.path === "/emails/create")!;
    expect((await call(create, {}, {})).body.details).toEqual([{ path: ["email"], message: "Email is required" }]);
    expect((await call(create, {}, { email: 5 })).body.details).toEqual([{ path: ["email"], message: "Invalid email format" }]);
  });

  it("word a nested field by its own name", async () => {
    const send = operations.find((o) => o.path === "/send")!;
    const res = await call(send, {}, { ...validBody(send), text: "hi", tags: ["ok", 7], attachments: [{ content: "" }] });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { path: ["tags", 1], message: "Tags item 2 must be a string" },
        { path: ["attachments", 0, "filename"], message: "Filename is required" },
      ]),
    );
  });
});
