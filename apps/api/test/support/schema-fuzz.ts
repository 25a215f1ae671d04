import RandExp from "randexp";

/*
 * Inputs from the OpenAPI document's JSON Schemas, for the spec-walking fuzz test: values a schema
 * accepts (generated, then checked with ajv by the caller) and mutations it refuses. Every choice
 * comes from one seeded generator, so a failing seed reproduces exactly.
 */

export type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// Letters, digits, spaces, quotes, controls, non-ASCII, an astral character and a lone surrogate:
// text fields meet all of them.
const TEXT_CHARS = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789  -_.,:;!?'\"<>/\\%&+=#@éßøЖ中文日本😀",
  "\t",
  "\r\n",
  "\u2028",
  "\u200b",
  "\ud800",
];

function types(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ["object"];
  return ["string"];
}

function fromPattern(pattern: string, rng: Rng, maxLength: number | undefined): string {
  const gen = new RandExp(new RegExp(pattern));
  gen.max = 8;
  gen.randInt = (from, to) => rng.int(from, to);
  const text = gen.gen();
  return maxLength === undefined ? text : text.slice(0, maxLength);
}

function genString(schema: Schema, rng: Rng): string {
  if (schema.pattern) return fromPattern(schema.pattern, rng, schema.maxLength);
  if (schema.format === "date-time") {
    return new Date(Date.now() + rng.int(60, 400 * 24 * 3600) * 1000 * (rng.chance(0.8) ? 1 : -1)).toISOString();
  }
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? min + 24, min + 24);
  const length = rng.int(min, max);
  return Array.from({ length }, () => rng.pick(TEXT_CHARS)).join("");
}

function genNumber(schema: Schema, integer: boolean, rng: Rng): number {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
  // Small values mostly: limits and timeouts near their floor keep the run short.
  const max = Math.min(schema.maximum ?? min + 1000, min + (rng.chance(0.8) ? 10 : 100_000));
  const value = min + rng.next() * (max - min);
  return integer ? Math.floor(value) : value;
}

function genObject(schema: Schema, rng: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (required.has(name) || rng.chance(0.5)) out[name] = generate(property, rng, depth + 1);
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === "object") {
    for (let i = rng.int(0, 2); i > 0; i--) {
      const name = schema.propertyNames ? genString(schema.propertyNames, rng) : genString({ minLength: 1, maxLength: 12 }, rng);
      out[name] = generate(extra, rng, depth + 1);
    }
  }
  return out;
}

/** A value meant to satisfy `schema` (patterns with lookaheads may miss: the caller checks with ajv). */
export function generate(schema: Schema, rng: Rng, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && !schema.properties) return generate(rng.pick(branches), rng, depth);
  const type = rng.pick(types(schema));
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return rng.chance(0.5);
    case "integer":
    case "number":
      return genNumber(schema, type === "integer", rng);
    case "array": {
      const min = schema.minItems ?? 0;
      const length = depth > 3 ? min : rng.int(min, Math.min(schema.maxItems ?? min + 3, min + 3));
      return Array.from({ length }, () => generate(schema.items ?? {}, rng, depth + 1));
    }
    case "object":
      return genObject(schema, rng, depth);
    default:
      return genString(schema, rng);
  }
}

/** Values that break a field of `schema` in one way each: wrong type, NUL, too long, bad format. */
export function brokenValues(schema: Schema, inQuery: boolean): unknown[] {
  const kinds = types(schema);
  const out: unknown[] = ["a\u0000b"];
  const tooLong = (schema.maxLength ?? 10_000) + 1;
  out.push("x".repeat(tooLong));
  if (kinds.includes("integer") || kinds.includes("number")) out.push("abc", "1.5", "-1", "1e400");
  if (schema.format === "date-time") {
    out.push("yesterday", "2026-13-45T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00");
  }
  if (schema.pattern || schema.format === "email") out.push("not valid at all", "@");
  if (schema.enum) out.push("not-one-of-them");
  if (!inQuery) {
    if (kinds.includes("string")) out.push(12345, true, ["a"]);
    if (kinds.includes("integer") || kinds.includes("number")) out.push(true, "60", null, 2.5);
    if (kinds.includes("boolean")) out.push("yes", "false", 0);
    if (kinds.includes("array")) out.push("not an array", [null]);
    if (kinds.includes("object")) out.push([1, 2], "str");
  }
  return out;
}
