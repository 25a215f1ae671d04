import { MailroomError } from "@mailroom/contracts";
import {
  coerceSchema,
  forEachOpenApiProcedure,
  getInputOutputParsers,
  getPathRegExp,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  instanceofZodTypeOptional,
  normalizePath,
  unwrapZodType,
  type OpenApiProcedureRecord,
} from "trpc-to-openapi";
import { ZodArray } from "zod";
import type { AppRouter } from "../root.js";
import type { Meta } from "../trpc.js";

/** One REST operation, from a procedure's OpenAPI meta. */
export interface RestRoute {
  method: string;
  pattern: RegExp;
  procedurePath: string;
  meta: Meta;
  protect: boolean;
  /** POST, PUT and PATCH read their input from a JSON body; GET and DELETE from the query string. */
  takesBody: boolean;
  /** False for a procedure without input (z.void()). */
  hasInput: boolean;
  /** Query parameters that are arrays in the schema: a single value is still a list. */
  arrayFields: ReadonlySet<string>;
}

/** HEAD is answered as GET (without the body). */
const methodOf = (method: string) => (method === "HEAD" ? "GET" : method);

/**
 * Every REST route of the router. `match` answers the route, or 405 with the methods the path
 * does answer (the Allow header), or 404.
 */
export function restRoutes(router: AppRouter) {
  const routes: RestRoute[] = [];
  forEachOpenApiProcedure<Meta>(router._def.procedures as unknown as OpenApiProcedureRecord, ({ path, procedure, meta }) => {
    const { inputParser } = getInputOutputParsers(procedure);
    const schema = unwrapZodType(inputParser, true);
    // As trpc-to-openapi does: strings from the query string (and JSON) coerce to numbers and booleans.
    if (instanceofZodTypeObject(schema)) coerceSchema(schema);
    routes.push({
      method: meta.openapi.method,
      pattern: getPathRegExp(normalizePath(meta.openapi.path)),
      procedurePath: path,
      meta,
      protect: meta.openapi.protect !== false,
      takesBody: !["GET", "DELETE"].includes(meta.openapi.method),
      hasInput: !instanceofZodTypeLikeVoid(schema),
      arrayFields: instanceofZodTypeObject(schema) ? arrayFieldsOf(schema.shape) : new Set(),
    });
  });

  return {
    match(method: string, path: string): { route: RestRoute; params: Record<string, string> } {
      const normalised = normalizePath(path);
      const candidates = routes.filter((r) => r.pattern.test(normalised));
      if (candidates.length === 0) throw new MailroomError("ROUTE_NOT_FOUND");
      const route = candidates.find((r) => r.method === methodOf(method));
      if (!route) throw methodNotAllowed(candidates.map((r) => r.method));
      return { route, params: { ...route.pattern.exec(normalised)?.groups } };
    },
  };
}

/** 405 with the Allow header (RFC 9110 §15.5.6); GET implies HEAD. */
export function methodNotAllowed(methods: string[]): MailroomError {
  const allowed = new Set(methods);
  if (allowed.has("GET")) allowed.add("HEAD");
  return new MailroomError("METHOD_NOT_ALLOWED", undefined, { headers: { Allow: [...allowed].sort().join(", ") } });
}

function arrayFieldsOf(shape: Record<string, unknown>): Set<string> {
  const fields = new Set<string>();
  for (const [key, field] of Object.entries(shape)) {
    const inner = instanceofZodTypeOptional(field as never) ? (field as { unwrap(): unknown }).unwrap() : field;
    if (inner instanceof ZodArray) fields.add(key);
  }
  return fields;
}
