import { ERROR_META, EVENT_TYPES, EXAMPLE_IDS, zErrorBody } from "@mailroom/contracts";
import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import { NUL_PATTERN } from "../input-rules.js";
import type { AppRouter } from "../root.js";
import type { Meta } from "../trpc.js";

const ERROR_STATUSES = [...new Set(Object.values(ERROR_META).map((m) => m.http))].sort();

/**
 * trpc-to-openapi's document, corrected to what the server really answers: the success status
 * from each procedure's meta (201 for creates) and our error body for every error status.
 */
export function buildOpenApiDocument(router: AppRouter, version: string): OpenAPIObject {
  const doc = generateOpenApiDocument(router, {
    title: "Mailroom API",
    version,
    description:
      "Self-hosted email infrastructure. Authenticate with `Authorization: Bearer KEY` or `?key=KEY` (an API key, or a " +
      "mailbox token from POST /token, which reaches only its own mailbox), or the `mailroom_session` cookie from POST " +
      "/session (then every request other than GET/HEAD carries the `X-CSRF-Token` header). " +
      "Every error answers `{success: false, error, code, details?}`.",
    baseUrl: "/api/v1",
    securitySchemes: {
      Authorization: {
        type: "http",
        scheme: "bearer",
        description: "An API key: mr_live_… (tenant) or mr_admin_… (admin); or a mailbox token, mr_mbx_… (one mailbox)",
      },
      QueryKey: { type: "apiKey", in: "query", name: "key" },
      SessionCookie: {
        type: "apiKey",
        in: "cookie",
        name: "mailroom_session",
        description: "A browser session (POST /session); requests other than GET/HEAD also need the X-CSRF-Token header",
      },
    },
  });
  doc.servers = [
    { url: "/api/v1", description: "This server" },
    { url: "/v1", description: "The same API at the hosting-style API's base path" },
  ];
  const errorSchema = z.toJSONSchema(zErrorBody);
  delete (errorSchema as { $schema?: unknown }).$schema;
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Error: errorSchema as never } };
  const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

  const procedures = router._def.procedures as unknown as Record<string, { _def: { meta?: Meta; inputs: unknown[] } }>;
  for (const procedure of Object.values(procedures)) {
    const meta = procedure._def.meta;
    if (!meta?.openapi) continue;
    const path = meta.openapi.path.replace(/\{(\w+)\}/g, "{$1}");
    const operation = doc.paths?.[path]?.[meta.openapi.method.toLowerCase() as "get"];
    if (!operation?.responses) continue;
    copyObjectRules(procedure._def.inputs[0], operation.requestBody);
    const responses = operation.responses as Record<string, { description: string; content?: unknown }>;
    if (meta.successStatus && meta.successStatus !== 200 && responses["200"]) {
      responses[String(meta.successStatus)] = { ...responses["200"], description: "Created" };
      delete responses["200"];
    }
    for (const status of Object.keys(responses)) {
      if (Number(status) >= 400) delete responses[status];
    }
    for (const status of ERROR_STATUSES) {
      const codes = Object.entries(ERROR_META)
        .filter(([, m]) => m.http === status)
        .map(([code]) => code);
      responses[String(status)] = { description: `Error: ${codes.join(", ")}`, content: errorContent };
    }
    if (meta.openapi.protect !== false) {
      operation.security = [{ Authorization: [] }, { QueryKey: [] }, { SessionCookie: [] }];
    }
  }
  addDownloadPaths(doc, errorContent);
  fitExamples(doc);
  stateNoNul(doc);
  return doc;
}

type JsonSchema = Record<string, unknown>;

/**
 * input-rules.ts refuses NUL in every string and object key of every input, whatever its schema,
 * so every input schema says so: strings `not` matching NUL, objects with `propertyNames` likewise.
 */
function stateNoNul(doc: OpenAPIObject): void {
  const noNul = { type: "string", pattern: NUL_PATTERN };
  const seen = new WeakSet<object>();
  const visit = (schema: unknown): void => {
    if (!schema || typeof schema !== "object" || seen.has(schema)) return;
    seen.add(schema);
    const s = schema as JsonSchema;
    const types = [s.type].flat();
    if (types.includes("string")) {
      if (s.not) s.allOf = [...((s.allOf as unknown[]) ?? []), { not: noNul }];
      else s.not = noNul;
    }
    if (types.includes("object")) s.propertyNames ??= { not: noNul };
    for (const key of ["items", "additionalProperties"]) visit(s[key]);
    for (const key of ["anyOf", "oneOf", "allOf"]) for (const branch of (s[key] as unknown[]) ?? []) visit(branch);
    for (const property of Object.values((s.properties as JsonSchema) ?? {})) visit(property);
  };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, JsonSchema>)) {
      for (const parameter of (operation.parameters as { schema?: unknown }[]) ?? []) visit(parameter.schema);
      const content = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
      for (const media of Object.values(content ?? {})) visit(media.schema);
    }
  }
}

/**
 * A body's example is the whole input's (contracts types it so), path parameters included: they
 * are dropped from the body, where they do not belong. A parameter's example is repeated on the
 * parameter itself, where Swagger UI's "Try it out" takes it from.
 */
function fitExamples(doc: OpenAPIObject): void {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, JsonSchema>)) {
      const parameters = (operation.parameters as { name: string; in: string; example?: unknown; schema?: JsonSchema }[]) ?? [];
      for (const parameter of parameters) {
        const examples = parameter.schema?.examples;
        if (Array.isArray(examples) && parameter.example === undefined) parameter.example = examples[0];
      }
      const pathNames = parameters.filter((p) => p.in === "path").map((p) => p.name);
      const body = (operation.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)?.content;
      for (const media of Object.values(body ?? {})) {
        const examples = media.schema?.examples;
        if (!Array.isArray(examples)) continue;
        media.schema!.examples = examples.map((e: JsonSchema) =>
          Object.fromEntries(Object.entries(e).filter(([key]) => !pathNames.includes(key))),
        );
      }
    }
  }
}

/**
 * trpc-to-openapi rebuilds a body schema from the input object's shape and keeps only the title,
 * description and examples of its meta; the object-level rules a schema states in its meta
 * (`not` for mutually exclusive fields, `anyOf` for "one of these is required") are put back here,
 * and the examples too, which it loses on the way for some bodies (a union field's, for one).
 */
function copyObjectRules(input: unknown, requestBody: unknown): void {
  const meta = input instanceof z.ZodType ? z.globalRegistry.get(input) : undefined;
  const schema = (requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> } | undefined)?.content?.[
    "application/json"
  ]?.schema;
  if (!meta || !schema) return;
  for (const key of ["not", "anyOf", "examples"] as const) {
    if (meta[key] !== undefined) schema[key] = meta[key];
  }
}

/** The routes that answer bytes or a stream are not procedures (message-downloads.ts, event-stream.ts): described by hand. */
function addDownloadPaths(doc: OpenAPIObject, errorContent: unknown): void {
  const errors = Object.fromEntries(
    ERROR_STATUSES.map((status) => {
      const codes = Object.entries(ERROR_META)
        .filter(([, m]) => m.http === status)
        .map(([code]) => code);
      return [String(status), { description: `Error: ${codes.join(", ")}`, content: errorContent }];
    }),
  );
  const pathParam = (name: string, description: string, example: string) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", examples: [example] },
    description,
    example,
  });
  const binary = { schema: { type: "string", format: "binary" } };
  const security = [{ Authorization: [] }, { QueryKey: [] }, { SessionCookie: [] }];
  doc.paths = {
    ...doc.paths,
    "/messages/{id}/raw": {
      get: {
        operationId: "messages-raw",
        tags: ["Messages"],
        summary: "The message exactly as stored (our Received and Authentication-Results headers on top)",
        parameters: [pathParam("id", "A message id (msg_…)", EXAMPLE_IDS.message)],
        security,
        responses: { "200": { description: "The raw message", content: { "message/rfc822": binary } }, ...errors },
      },
    },
    "/messages/{id}/html": {
      get: {
        operationId: "messages-html",
        tags: ["Messages"],
        summary: "The message's HTML body, for a sandboxed frame",
        description:
          "`text/html; charset=utf-8` under `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; " +
          "img-src 'self' data:; font-src data:; sandbox` (with `remote_images=true`, img-src also allows https: and http:), " +
          "`X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`: no scripts, forms or navigation. `cid:` " +
          "references point to the message's attachments (relative URLs); a message without HTML gets its text in a <pre>.",
        parameters: [
          pathParam("id", "A message id (msg_…)", EXAMPLE_IDS.message),
          {
            name: "remote_images",
            in: "query",
            required: false,
            description: "Let the HTML load images from other servers (which tells their senders the message was read)",
            schema: { type: "string", enum: ["true", "false"], examples: ["true"] },
            example: "true",
          },
        ],
        security,
        responses: { "200": { description: "The HTML", content: { "text/html": { schema: { type: "string" } } } }, ...errors },
      },
    },
    "/events/stream": {
      get: {
        operationId: "events-stream",
        tags: ["Events"],
        summary: "Your events as they happen, as Server-Sent Events",
        description:
          "`text/event-stream`: each event as `id: <event id>`, `event: <type>`, `data: <the event's JSON, as GET /events lists it>`; " +
          "a `: heartbeat` comment every 15 s. Without Last-Event-ID it starts with the events from now on; with it " +
          "(the header EventSource sends on reconnecting, or `last_event_id`), it first replays every event after that one, " +
          "then goes on live, without a gap or a repeat. At most MAILROOM_EVENT_STREAMS_PER_TENANT open streams per tenant " +
          "per server process (429 EVENT_STREAM_LIMIT); a client that falls far behind is disconnected and resumes with Last-Event-ID.",
        parameters: [
          {
            name: "type",
            in: "query",
            required: false,
            description: "Only these types: repeat the parameter or separate types with commas",
            schema: { type: "array", items: { type: "string", enum: [...EVENT_TYPES] } },
            style: "form",
            explode: true,
            example: ["message.received"],
          },
          {
            name: "mailbox_id",
            in: "query",
            required: false,
            description: "Only events of this mailbox",
            schema: { type: "string", examples: [EXAMPLE_IDS.mailbox] },
            example: EXAMPLE_IDS.mailbox,
          },
          {
            name: "last_event_id",
            in: "query",
            required: false,
            description: "Resume after this event (the Last-Event-ID header wins when both are sent)",
            schema: { type: "string", examples: [EXAMPLE_IDS.event] },
            example: EXAMPLE_IDS.event,
          },
          {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description: "Resume after this event",
            schema: { type: "string", examples: [EXAMPLE_IDS.event] },
            example: EXAMPLE_IDS.event,
          },
        ],
        security,
        responses: {
          "200": {
            description: "The stream, until the client or the server closes it",
            content: { "text/event-stream": { schema: { type: "string" } } },
          },
          ...errors,
        },
      },
    },
    "/messages/{id}/attachments/{attachment_id}": {
      get: {
        operationId: "messages-attachment",
        tags: ["Messages"],
        summary: "Download an attachment, with its own content type",
        parameters: [
          pathParam("id", "A message id (msg_…)", EXAMPLE_IDS.message),
          pathParam("attachment_id", "An attachment id (att_…)", EXAMPLE_IDS.attachment),
        ],
        security,
        responses: {
          "200": { description: "The attachment's bytes, Content-Type as the sender gave it", content: { "*/*": binary } },
          ...errors,
        },
      },
    },
  } as never;
}
