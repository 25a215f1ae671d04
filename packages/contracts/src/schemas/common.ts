import { z } from "zod";
import { EXAMPLE_IDS, ID_PREFIXES, idPattern, type IdKind } from "../ids.js";
import { humanIssueMessage } from "../validation-messages.js";

// Every schema's unworded issues get a human message naming the field. Here, in the module every
// schema file imports, so no bundle can keep the schemas and leave the registration out.
z.config({ customError: humanIssueMessage });

/**
 * Documents a realistic value as the schema's OpenAPI `examples`, typed as the JSON that travels (a
 * renamed field fails to compile; apps/api's document test validates each against its schema).
 * Registered on the schema itself, not a copy, so a file's examples can follow all its schemas; an
 * optional field's example goes on what it wraps, which is what a query parameter documents.
 */
export function example<S extends z.ZodType>(schema: S, value: z.input<S>): void {
  const target: z.ZodType = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  // A pipe (a query flag's "true" → true) is documented by its input side.
  const targets = target instanceof z.ZodPipe ? [target, target.in as z.ZodType] : [target];
  for (const t of targets) z.globalRegistry.add(t, { ...z.globalRegistry.get(t), examples: [value] });
}

/** The moments the examples tell of: a mailbox made, mail arriving, a send. */
export const EXAMPLE_TIMES = {
  created: "2026-11-20T09:14:03.000Z",
  received: "2026-11-20T09:21:47.000Z",
  later: "2026-11-20T09:22:05.000Z",
  expires: "2026-11-21T09:14:03.000Z",
} as const;

/** ISO-8601 UTC timestamp as it appears in JSON. */
export const zTimestamp = z.string().describe("ISO-8601 UTC timestamp");

/** The REST error body, for every error on every route. */
export const zErrorBody = z
  .object({
    success: z.literal(false),
    error: z.string().describe("What went wrong, for people"),
    code: z.string().describe("Stable machine-readable error code (see the error catalogue)"),
    details: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional()
      .describe("Field-level problems; only on validation errors"),
  })
  .meta({
    examples: [
      {
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["email"], message: "Invalid email format" }],
      },
    ],
  });
export type ErrorBody = z.infer<typeof zErrorBody>;

export const zDeleted = z.object({ deleted: z.literal(true) });
example(zDeleted, { deleted: true });

/**
 * How the document says "not blank": the server trims and then wants a character, which JSON Schema
 * cannot say, but "holds a non-space character" (an unanchored `\S`) is the same rule.
 */
export const NON_BLANK = { pattern: "\\S" } as const;

/**
 * A whole number in a query string, with one message for every way it can be wrong ("abc", "",
 * "1.5", out of range). Query strings are text by nature, so this one coerces on purpose.
 */
export function zQueryInteger(opts: { min: number; max?: number; unit?: string }) {
  const unit = opts.unit ? ` of ${opts.unit}` : "";
  const message =
    opts.max === undefined
      ? `Must be a whole number${unit}, at least ${opts.min}`
      : `Must be a whole number${unit} from ${opts.min} to ${opts.max}`;
  const number = z.coerce.number({ error: message }).int(message).min(opts.min, message);
  return opts.max === undefined ? number : number.max(opts.max, message);
}

/**
 * A number in a JSON body: `true` or `"60"` is a 400, never 1 or 60. trpc-to-openapi switches
 * `coerce` on for every z.number() at the top of a REST input, bodies included; it leaves a pipe
 * alone, and the document shows the pipe's input side (the number with its limits).
 */
export function zJsonNumber(schema: z.ZodNumber) {
  return schema.pipe(z.number());
}

/**
 * A boolean in a JSON body: `"yes"`, `5` or `null` is a 400, never true or false. trpc-to-openapi
 * turns a top-level z.boolean() of a REST input into a coercing one; a union of literals it leaves alone.
 */
export function zJsonBoolean() {
  return z.union([z.literal(true), z.literal(false)], {
    // A missing one is worded by the common rule ("Seen is required").
    error: (issue) => (issue.input === undefined ? undefined : "Must be true or false"),
  });
}

const DATE_TIME_YEARS = { min: 1970, max: 2999 } as const;
const DATE_TIME_MESSAGE = `Must be an ISO-8601 date-time in the years ${DATE_TIME_YEARS.min} to ${DATE_TIME_YEARS.max}`;

/**
 * A date-time a client sends. The years are bounded because the database cannot hold what a
 * JavaScript Date makes of year 0 or of 9999-12-31T23:59:59-14:00 (year 10000), which failed as a
 * 500; between 1970 and 2999 every offset stays far from both edges. The bound is a pattern, so the
 * OpenAPI document states it exactly.
 */
export function zDateTimeInput() {
  return (
    z.iso
      // abort: text that is no date-time at all gets the message once, not again from the years check.
      // A missing one is worded by the common rule ("Since is required").
      .datetime({ offset: true, error: (issue) => (issue.input === undefined ? undefined : DATE_TIME_MESSAGE), abort: true })
      .regex(/^(?:19[7-9]\d|2\d{3})-/, DATE_TIME_MESSAGE)
      .meta({ format: "date-time", examples: [EXAMPLE_TIMES.received] })
  );
}

/** A page cursor: the `next_cursor` a list answered, which is the id of the page's last item. */
export function zCursor(kind: IdKind) {
  return z
    .string({ error: "Cursor is invalid" })
    .regex(idPattern(kind), "Cursor is invalid")
    .meta({
      description: `The next_cursor of the previous page (a ${kind} id, ${ID_PREFIXES[kind]}_…)`,
      examples: [EXAMPLE_IDS[kind]],
    });
}

/** Cursor pagination (document 1's lists), over ids of `kind`. */
export function zCursorPage(kind: IdKind) {
  return z.object({
    limit: zQueryInteger({ min: 1, max: 100 })
      .default(50)
      .meta({ examples: [20] }),
    cursor: zCursor(kind).optional(),
  });
}

export const zHealth = z.object({ status: z.enum(["ok", "unavailable"]) });
example(zHealth, { status: "ok" });
