import type { z } from "zod";

/*
 * The one rule for validation messages zod would otherwise word itself ("Invalid input: expected
 * string, received undefined"): "<Field> is required" / "<Field> must be …", the field named from the
 * issue's path. A message a schema states (a check's own text, a schema's `error`) still wins; this
 * only words the rest. common.ts registers it with z.config, once, for every schema.
 */

type Issue = z.core.$ZodRawIssue;

/** `expires_in` / `expiresIn` → "Expires in"; a header name such as X-Ticket-Id stays as it is. */
export function fieldLabel(path: readonly PropertyKey[]): string {
  const keyAt = path.findLastIndex((p) => typeof p === "string");
  if (keyAt < 0) return "The request";
  const words = String(path[keyAt])
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  const item = path[keyAt + 1];
  return typeof item === "number" ? `${label} item ${item + 1}` : label;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
};
const typeName = (expected: string) => TYPE_NAMES[expected] ?? `a ${expected}`;

const FORMAT_NAMES: Record<string, string> = {
  email: "an email address",
  datetime: "an ISO-8601 date-time",
  date: "an ISO-8601 date",
  url: "a URL",
  uuid: "a UUID",
  base64: "base64",
};

function sizeRule(issue: Extract<Issue, { code: "too_small" | "too_big" }>): string {
  const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const word =
    issue.code === "too_small" ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
  if (issue.origin === "string")
    return issue.code === "too_small" && bound === 1 ? "must not be empty" : `must be ${word} ${bound} characters`;
  if (issue.origin === "array" || issue.origin === "set") return `must hold ${word} ${bound} items`;
  return `must be ${word} ${bound}`;
}

/** The expected types of a union whose every branch failed on type: "a string or a list". */
function unionRule(issue: Extract<Issue, { code: "invalid_union" }>): string | undefined {
  const expected = (issue.errors ?? []).map((branch) => (branch[0]?.code === "invalid_type" ? branch[0].expected : undefined));
  if (expected.length === 0 || expected.some((e) => e === undefined)) return undefined;
  return `must be ${[...new Set(expected.map((e) => typeName(e!)))].join(" or ")}`;
}

function rule(issue: Issue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${typeName(issue.expected)}`;
    case "too_small":
    case "too_big":
      return sizeRule(issue);
    case "invalid_format":
      return issue.format === "regex"
        ? "is not in the expected format"
        : `must be ${FORMAT_NAMES[issue.format] ?? `a valid ${issue.format}`}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `has unknown fields: ${issue.keys.join(", ")}`;
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has an item that is not valid";
    case "invalid_union":
      return unionRule(issue);
    default:
      return undefined;
  }
}

/** zod's `customError`: a human message for every issue a schema did not word itself. */
export function humanIssueMessage(issue: Issue): string {
  const label = fieldLabel(issue.path ?? []);
  if (issue.input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
    return `${label} is required`;
  }
  return `${label} ${rule(issue) ?? "is not valid"}`;
}
