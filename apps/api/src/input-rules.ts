import { MailroomError, type ErrorDetail } from "@mailroom/contracts";

/*
 * Rules every input obeys, whatever its schema, on every surface (REST, tRPC, the download routes).
 * They run before a procedure's own schema, on the input exactly as the client sent it.
 */

export const NUL_MESSAGE = "Must not contain the NUL character";
/** The same rule as a JSON Schema pattern (unanchored: "contains a NUL"), for the OpenAPI document. */
export const NUL_PATTERN = "\\u0000";
export const BODY_NOT_OBJECT_MESSAGE = "Request body must be a JSON object";

/**
 * Paths of every string, value or object key, holding U+0000. PostgreSQL cannot store NUL in
 * text, so without this a NUL anywhere fails deep in a query as a 500; no field has a use for it.
 */
export function nulPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return value.includes("\u0000") ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulPaths(item, [...path, i]));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key.includes("\u0000") ? [[...path, key]] : nulPaths(item, [...path, key]),
  );
}

function isJsonObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Throws VALIDATION_ERROR for input no procedure may see. Every procedure's input, when there is
 * one, is an object: a JSON body of `null`, `[1,2]` or `"str"` reaches here as it was sent (the REST
 * dispatcher merges only object bodies with the path parameters) and is refused as a whole.
 */
export function refuseUnsafeInput(input: unknown): void {
  if (input !== undefined && !isJsonObject(input)) {
    throw new MailroomError("VALIDATION_ERROR", undefined, { details: [{ path: [], message: BODY_NOT_OBJECT_MESSAGE }] });
  }
  const details: ErrorDetail[] = nulPaths(input).map((path) => ({ path, message: NUL_MESSAGE }));
  if (details.length > 0) throw new MailroomError("VALIDATION_ERROR", undefined, { details });
}
