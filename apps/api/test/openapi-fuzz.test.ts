import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { brokenValues, generate, Rng, type Schema } from "./support/schema-fuzz.js";
import { rawCall } from "./support/session-helpers.js";
import { uniqueLocal } from "./support/test-domains.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

/*
 * Walks every operation of /api/v1/openapi.json with inputs generated from its own schemas, over
 * real HTTP: inputs the document accepts must never meet VALIDATION_ERROR, inputs it refuses must get
 * a 4xx, nothing may answer 5xx, and every response must match the schema documented for its status.
 * FUZZ_SEED=<n> replays a run; FUZZ_CASES=<n> sets how many rounds (inputs per operation) it makes.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/** Outside the 127.0.0.10–249 that other tests draw their own client addresses from. */
const FUZZ_CLIENT_ADDRESS = "127.0.0.253";
const CASES = Number(process.env.FUZZ_CASES ?? 8);
/** Rounds stop once this is spent (a bound on the run, not a speed requirement); FUZZ_CASES alone sets the count when given. */
const BUDGET_MS = process.env.FUZZ_CASES ? Number.POSITIVE_INFINITY : 8_000;

/** Operations whose every call is slow on purpose (a wait holds ≥ 1 s, a domain makes an RSA key). */
const FEWER_CASES: Record<string, number> = { "GET /inbox/{account_id}/wait": 2, "POST /domains": 2 };

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  path: string;
  tags: string[];
  parameters: Parameter[];
  body: Schema | undefined;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Input {
  path: Record<string, string>;
  query: Record<string, unknown>;
  /** undefined: no body; { raw } sends any JSON value, objects or not. */
  body: { raw: unknown } | undefined;
}
interface Fixtures {
  key: string;
  tenantId: string;
  spareKeyId: string;
  mailboxId: string;
  address: string;
  messageId: string;
  attachmentId: string;
  domainId: string;
}

let dns: TestDnsServer;
let server: TestServer;
let fixtures: Fixtures;
let operations: Operation[];
const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true }));
// Query strings are text on the wire: their values are judged as the server reads them.
const ajvQuery = addFormats.default(new Ajv2020({ strict: false, coerceTypes: true }));
for (const instance of [ajv, ajvQuery]) instance.addFormat("binary", true);

beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startTestServer({ MAILROOM_SYSTEM_DOMAINS: "ig.do", MAILROOM_DNS_SERVERS: dns.address });
  fixtures = await createFixtures();
  const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
  // A stream answers 200 and never ends; its refusals are event-stream.test.ts's business.
  operations = listOperations((await SwaggerParser.dereference(structuredClone(doc))) as never).filter(
    (op) => !op.responses["200"]?.content?.["text/event-stream"],
  );
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

async function createFixtures(): Promise<Fixtures> {
  const tenant = await server.createTenant("lifetime");
  const key = tenant.api_key;
  const expect201 = async (path: string, body: unknown) => {
    const res = await server.call("POST", path, { key, body });
    if (res.status !== 201 && res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const spare = await expect201("/api/v1/keys", { name: "spare" });
  const mailbox = await expect201("/api/v1/accounts", {
    domain: "ig.do",
    username: uniqueLocal("fuzz"),
    password: "securePass123",
  });
  await expect201("/api/v1/send", {
    from: mailbox.email,
    to: mailbox.email,
    subject: "fixture",
    text: "hello",
    attachments: [{ filename: "a.txt", content: Buffer.from("attached").toString("base64") }],
  });
  const domain = await expect201("/api/v1/domains", { domain: `${uniqueLocal("fuzz")}.test` });
  // The inbox copy of the message sent to oneself (the sent one has its own id).
  const inbox = await server.call("GET", `/api/v1/inbox/${mailbox.id}`, { key });
  const message = await server.call("GET", `/api/v1/messages/${inbox.body.messages[0].id}`, { key });
  return {
    key,
    tenantId: tenant.id,
    spareKeyId: spare.id,
    mailboxId: mailbox.id,
    address: mailbox.email,
    messageId: message.body.id,
    attachmentId: message.body.attachments[0].id,
    domainId: domain.id,
  };
}

function listOperations(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const all: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      all.push({
        method: method.toUpperCase(),
        path,
        tags: op.tags ?? [],
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.["application/json"]?.schema,
        responses: op.responses,
      });
    }
  }
  return all;
}

const opName = (op: Operation) => `${op.method} ${op.path}`;

// ─── what the document says about an input ─────────────────────────────────────────────────────

const paramValidators = new Map<Operation, ValidateFunction>();
const bodyValidators = new Map<Operation, ValidateFunction>();

function paramsSchema(op: Operation): Schema {
  const params = op.parameters.filter((p) => p.in !== "header");
  return {
    type: "object",
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

function acceptedByDocument(op: Operation, input: Input): boolean {
  if (!paramValidators.has(op)) paramValidators.set(op, ajvQuery.compile(paramsSchema(op)));
  const params = Object.fromEntries(Object.entries({ ...input.query, ...input.path }).map(([k, v]) => [k, serialise(v)]));
  if (!paramValidators.get(op)!(params)) return false;
  if (!op.body) return true;
  if (!bodyValidators.has(op)) bodyValidators.set(op, ajv.compile(op.body));
  const body = input.body === undefined ? {} : input.body.raw;
  return bodyValidators.get(op)!(body);
}

function serialise(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ─── inputs ──────────────────────────────────────────────────────────────────────────────────────

/** Path ids the server has, by parameter and path: half the valid inputs use them. */
function fixtureFor(op: Operation, name: string): string | undefined {
  if (name === "account_id") return fixtures.mailboxId;
  if (name === "message_id") return fixtures.messageId;
  if (name === "attachment_id") return fixtures.attachmentId;
  if (name !== "id") return undefined;
  if (op.path.startsWith("/accounts") || op.path.startsWith("/emails")) return fixtures.mailboxId;
  if (op.path.startsWith("/domains")) return fixtures.domainId;
  if (op.path.startsWith("/messages")) return fixtures.messageId;
  if (op.path.startsWith("/keys")) return fixtures.spareKeyId;
  if (op.path.startsWith("/admin/tenants")) return fixtures.tenantId;
  return undefined;
}

/** Path segments from a URL-safe alphabet: what a path segment carries, not how it is encoded. */
function pathValue(schema: Schema, rng: Rng): string {
  const length = rng.int(Math.max(1, schema.minLength ?? 1), Math.min(schema.maxLength ?? 40, 40));
  return Array.from({ length }, () => rng.pick([..."abcdefghijklmnopqrstuvwxyz0123456789_-"])).join("");
}

function validInput(op: Operation, rng: Rng): Input {
  const input: Input = { path: {}, query: {}, body: undefined };
  for (const p of op.parameters) {
    if (p.in === "path") input.path[p.name] = (rng.chance(0.6) && fixtureFor(op, p.name)) || pathValue(p.schema, rng);
    else if (p.in === "query" && (p.required || rng.chance(0.5))) input.query[p.name] = generate(p.schema, rng);
  }
  if (op.path.endsWith("/wait")) input.query.timeout = 1;
  if (op.body) input.body = { raw: withFixtureFields(op, generate(op.body, rng) as Record<string, unknown>, rng) };
  return input;
}

/** Fields that decide whether a create gets past "not found": half the time, real ones. */
function withFixtureFields(op: Operation, body: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  if (!rng.chance(0.5)) return body;
  if (op.path === "/send") return { ...body, from: fixtures.address };
  if (op.path === "/accounts" && op.method === "POST") return { ...body, domain: "ig.do", username: uniqueLocal("f") };
  if (op.path === "/emails/create") return { ...body, email: `${uniqueLocal("f")}@ig.do` };
  return body;
}

/** Up to 30 tries for an input the document accepts (generated patterns with lookaheads can miss). */
function acceptedInput(op: Operation, rng: Rng): Input | undefined {
  for (let i = 0; i < 30; i++) {
    const input = validInput(op, rng);
    if (acceptedByDocument(op, input)) return input;
  }
  return undefined;
}

/** Every single-fault variant of a valid input this operation's schemas suggest. */
function faults(op: Operation, base: Input, rng: Rng): Input[] {
  const out: Input[] = [];
  const withQuery = (name: string, v: unknown) => ({ ...base, query: { ...base.query, [name]: v } });
  const withPath = (name: string, v: string) => ({ ...base, path: { ...base.path, [name]: v } });
  for (const p of op.parameters) {
    if (p.in === "query") for (const v of brokenValues(p.schema, true)) out.push(withQuery(p.name, v));
    if (p.in === "path") for (const v of ["bogus", "x".repeat(300), "a\u0000b", "ü€"]) out.push(withPath(p.name, v));
  }
  if (!op.body) return out;
  const body = (base.body?.raw ?? {}) as Record<string, unknown>;
  const withBody = (raw: unknown): Input => ({ ...base, body: { raw } });
  for (const raw of [null, [1, 2], "str", 5, true]) out.push(withBody(raw));
  out.push(withBody({ ...body, "key\u0000": 1 }));
  for (const [name, schema] of Object.entries(op.body.properties ?? {})) {
    for (const v of brokenValues(schema, false)) out.push(withBody({ ...body, [name]: v }));
  }
  for (const name of op.body.required ?? []) {
    const { [name]: _dropped, ...rest } = body;
    out.push(withBody(rest));
  }
  for (const name of op.body.not?.required ? [op.body.not.required] : []) {
    const both = Object.fromEntries(name.map((n) => [n, generate(op.body!.properties![n]!, rng)]));
    out.push(withBody({ ...body, ...both }));
  }
  return out;
}

// ─── one request ─────────────────────────────────────────────────────────────────────────────────

async function send(op: Operation, input: Input) {
  let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(input.path[name] ?? ""));
  const query = new URLSearchParams(Object.entries(input.query).map(([k, v]): [string, string] => [k, serialise(v)])).toString();
  if (query) path += `?${query}`;
  const key = op.tags.includes("Admin") ? ADMIN_KEY : fixtures.key;
  const body = input.body === undefined ? undefined : JSON.stringify(input.body.raw);
  if (op.tags.includes("Sign-in") && op.method === "POST") {
    // Its wrong passwords count against a client address of the fuzz's own: failed sign-ins are
    // throttled per IP with submission, IMAP and POP3, across test files on one database.
    return rawCall(server, op.method, `/api/v1${path}`, { body: input.body?.raw, localAddress: FUZZ_CLIENT_ADDRESS });
  }
  return server.call(op.method, `/api/v1${path}`, { key, ...(body === undefined ? {} : { body }) });
}

const responseValidators = new Map<Schema, ValidateFunction>();
/** Statuses seen per operation; FUZZ_REPORT=1 prints them, to see what a run reached. */
const statuses = new Map<string, Record<number, number>>();

/** What is wrong with this answer to an input the document accepts (`accepted`) or refuses. */
async function problemsWith(op: Operation, input: Input, accepted: boolean): Promise<string | undefined> {
  const res = await send(op, input);
  const seen = statuses.get(opName(op)) ?? {};
  seen[res.status] = (seen[res.status] ?? 0) + 1;
  statuses.set(opName(op), seen);
  const documented = op.responses[String(res.status)];
  const problems: string[] = [];
  if (res.status >= 500) problems.push("a 5xx");
  if (!documented) problems.push(`undocumented status ${res.status}`);
  if (accepted && res.body?.code === "VALIDATION_ERROR") problems.push("VALIDATION_ERROR for an input the document accepts");
  if (!accepted && res.status < 400) problems.push(`${res.status} for an input the document refuses`);
  const schema = documented?.content?.["application/json"]?.schema;
  if (schema) {
    if (!responseValidators.has(schema)) responseValidators.set(schema, ajv.compile(schema));
    const validate = responseValidators.get(schema)!;
    if (!validate(res.body)) problems.push(`body does not match its schema: ${ajv.errorsText(validate.errors)}`);
  }
  if (problems.length === 0) return undefined;
  const sent = JSON.stringify(input, (_, v: unknown) => (typeof v === "string" && v.length > 80 ? `${v.slice(0, 80)}…` : v));
  return `${opName(op)} ${problems.join("; ")}\n    sent ${sent}\n    got ${res.status} ${JSON.stringify(res.body)?.slice(0, 400)}`;
}

/** One accepted input and two of its faults, sent; what went wrong, if anything. */
async function fuzzOnce(op: Operation, rng: Rng, counts: { accepted: number; refused: number }): Promise<string[]> {
  const input = acceptedInput(op, rng);
  if (!input) return [`${opName(op)}: no generated input passes the document's own schema`];
  const failures: string[] = [];
  const problem = await problemsWith(op, input, true);
  if (problem) failures.push(problem);
  counts.accepted++;
  const variants = faults(op, input, rng);
  for (let j = 0; j < 2 && variants.length > 0; j++) {
    const variant = variants.splice(rng.int(0, variants.length - 1), 1)[0]!;
    const refused = !acceptedByDocument(op, variant);
    const problemOfVariant = await problemsWith(op, variant, !refused);
    if (problemOfVariant) failures.push(problemOfVariant);
    counts[refused ? "refused" : "accepted"]++;
  }
  return failures;
}

/**
 * Rounds over the operations, every operation once a round, for CASES rounds or until the time
 * budget is spent (at least two rounds). The seed fixes the sequence, so a shorter run is a prefix
 * of a longer one and FUZZ_SEED with FUZZ_CASES set to the rounds reported replays it.
 */
async function fuzzRounds(
  ops: Operation[],
  rng: Rng,
  budgetMs: number,
  counts: { accepted: number; refused: number; rounds: number },
) {
  const failures: string[] = [];
  const started = Date.now();
  for (let round = 0; round < CASES && (round < 2 || Date.now() - started < budgetMs); round++) {
    for (const op of ops) {
      if (round < (FEWER_CASES[opName(op)] ?? CASES)) failures.push(...(await fuzzOnce(op, rng, counts)));
    }
    counts.rounds = Math.max(counts.rounds, round + 1);
  }
  return failures;
}

describe("the OpenAPI document, walked by a fuzzer", () => {
  it(`every operation: accepted inputs pass, refused ones are 4xx, no 5xx, responses as documented (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const counts = { accepted: 0, refused: 0, rounds: 0, operations: operations.length };
    // Deletes after everything else, so they do not take the fixtures away from the other operations.
    const deletes = operations.filter((op) => op.method === "DELETE");
    const failures = [
      ...(await fuzzRounds(
        operations.filter((op) => op.method !== "DELETE"),
        rng,
        BUDGET_MS,
        counts,
      )),
      ...(await fuzzRounds(deletes, rng, BUDGET_MS / 5, counts)),
    ];
    if (process.env.FUZZ_REPORT) console.log(counts, Object.fromEntries(statuses));
    expect(failures, `seed ${SEED}, ${JSON.stringify(counts)}:\n${failures.join("\n")}`).toEqual([]);
    expect(counts.operations).toBeGreaterThanOrEqual(25);
    expect(counts.refused).toBeGreaterThan(counts.operations);
  });
});
