import { MailroomError } from "@mailroom/contracts";
import type { FetchItem, Section } from "./command-types.js";
import { appendValue, astring, joinParts, writeValue, type ImapValue, type WriteOptions } from "./imap-value.js";

/**
 * `* <n> FETCH (<name> <value> …)` responses. A large body goes as a literal whose bytes are streamed
 * from the caller's chunks, so a server can answer a FETCH over many messages one message at a time,
 * each body piece by piece, holding no more than one chunk.
 */

/** A literal whose bytes are produced later; `size` must be exact (it is announced first). */
export interface LiteralStream {
  size: number;
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>;
}

export type FetchValue = ImapValue | LiteralStream;

export interface FetchEntry {
  /** As it appears in the response, e.g. `UID`, `BODY[1.MIME]`, `BODY[]<0>` (see fetchItemName). */
  name: string;
  value: FetchValue;
}

function isLiteralStream(value: FetchValue): value is LiteralStream {
  return value !== null && typeof value === "object" && "chunks" in value && "size" in value;
}

/** The response name of a FETCH item: BODY.PEEK answers as BODY, a partial shows only its origin. */
export function fetchItemName(item: FetchItem): string {
  if (item.kind !== "BODY[]") return item.kind;
  const origin = item.partial ? `<${item.partial.offset}>` : "";
  return `BODY[${sectionText(item.section)}]${origin}`;
}

export function sectionText(section: Section): string {
  const parts = section.part.join(".");
  const text = section.text ?? "";
  const spec = parts && text ? `${parts}.${text}` : parts || text;
  if (!section.text?.startsWith("HEADER.FIELDS")) return spec;
  const names = section.fields.map((name) => writeValue(astring(name)).toString("utf8"));
  return `${spec} (${names.join(" ")})`;
}

/** A whole FETCH response in one buffer, for entries that are all in memory. */
export function fetchResponse(
  sequenceNumber: number,
  entries: readonly { name: string; value: ImapValue }[],
  options: WriteOptions = {},
): Buffer {
  const parts: (string | Buffer)[] = [`* ${sequenceNumber} FETCH (`];
  entries.forEach((entry, index) => {
    parts.push(index === 0 ? `${entry.name} ` : ` ${entry.name} `);
    appendValue(parts, entry.value, options);
  });
  parts.push(")\r\n");
  return joinParts(parts);
}

/**
 * The same response as chunks: small values are batched, each LiteralStream is written as `{size}`
 * CRLF then its bytes as they come. Throws if a stream yields other than its announced size, since the
 * connection can no longer be framed correctly and must be dropped.
 */
export async function* fetchResponseChunks(
  sequenceNumber: number,
  entries: Iterable<FetchEntry>,
  options: WriteOptions = {},
): AsyncGenerator<Buffer> {
  let pending: (string | Buffer)[] = [`* ${sequenceNumber} FETCH (`];
  let first = true;
  for (const entry of entries) {
    pending.push(first ? `${entry.name} ` : ` ${entry.name} `);
    first = false;
    if (!isLiteralStream(entry.value)) {
      appendValue(pending, entry.value, options);
      continue;
    }
    pending.push(`{${entry.value.size}}\r\n`);
    yield joinParts(pending);
    pending = [];
    yield* streamLiteral(entry.value);
  }
  pending.push(")\r\n");
  yield joinParts(pending);
}

async function* streamLiteral(literal: LiteralStream): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of literal.chunks) {
    sent += chunk.length;
    if (sent > literal.size) break;
    if (chunk.length > 0) yield chunk;
  }
  if (sent !== literal.size) {
    throw new MailroomError("INTERNAL_ERROR", `FETCH literal announced ${literal.size} bytes but its source gave ${sent}`);
  }
}
