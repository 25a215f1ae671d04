import type { ByteRange, Section } from "./command-types.js";
import type { MimePart } from "./mime-structure.js";

/**
 * The bytes a FETCH section names (RFC 3501 6.4.5): part numbers walk multiparts and step into
 * message/rfc822 parts; a non-multipart message has its body as part 1. HEADER, HEADER.FIELDS and
 * TEXT apply to the message or to an encapsulated message; MIME to the part's own header.
 */

/** The part a path names, or null when the message has no such part. */
export function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let node = root;
  // Whether `node` stands for a whole message, whose single body is its part 1.
  let isMessage = true;
  for (const index of path) {
    if (node.message && !isMessage) {
      node = node.message;
      isMessage = true;
    }
    if (node.children.length > 0) {
      const child = node.children[index - 1];
      if (!child) return null;
      node = child;
    } else if (!isMessage || index !== 1) {
      return null;
    }
    isMessage = false;
  }
  return node;
}

/** The section's bytes, or null when the message has no such section (the server sends NIL or ""). */
export function sectionBytes(raw: Buffer, root: MimePart, section: Section): Buffer | null {
  const part = section.part.length === 0 ? root : findPart(root, section.part);
  if (!part) return null;
  if (section.text === "MIME") return raw.subarray(part.headerStart, part.bodyStart);
  if (section.text === null) return section.part.length === 0 ? raw.subarray(root.headerStart, root.end) : body(raw, part);
  const message = section.part.length === 0 ? root : part.message;
  if (!message) return null;
  if (section.text === "HEADER") return raw.subarray(message.headerStart, message.bodyStart);
  if (section.text === "TEXT") return body(raw, message);
  return filterHeader(raw.subarray(message.headerStart, message.bodyStart), section.fields, section.text === "HEADER.FIELDS");
}

function body(raw: Buffer, part: MimePart): Buffer {
  return raw.subarray(part.bodyStart, part.end);
}

/** HEADER.FIELDS (keep) or HEADER.FIELDS.NOT (drop): the matching fields as written, then the blank line. */
export function filterHeader(block: Buffer, fields: readonly string[], keep: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const field of headerFieldChunks(block)) {
    if (wanted.has(field.key) === keep) chunks.push(field.bytes);
  }
  chunks.push(Buffer.from("\r\n"));
  return Buffer.concat(chunks);
}

/** Each field of a header block with its continuation lines, bytes as written. */
function* headerFieldChunks(block: Buffer): Generator<{ key: string; bytes: Buffer }> {
  let start = 0;
  while (start < block.length) {
    let end = nextLine(block, start);
    if (end - start <= 2 && (block[start] === 0x0d || block[start] === 0x0a)) return;
    while (end < block.length && (block[end] === 0x20 || block[end] === 0x09)) end = nextLine(block, end);
    const bytes = block.subarray(start, end);
    const colon = bytes.indexOf(0x3a);
    if (colon > 0) yield { key: bytes.subarray(0, colon).toString("latin1").trim().toLowerCase(), bytes };
    start = end;
  }
}

function nextLine(block: Buffer, from: number): number {
  const lf = block.indexOf(0x0a, from);
  return lf === -1 ? block.length : lf + 1;
}

/** `<offset.length>`: the slice a partial fetch asks for (empty past the end). */
export function applyPartial(bytes: Buffer, partial: ByteRange | null): Buffer {
  if (!partial) return bytes;
  return bytes.subarray(Math.min(partial.offset, bytes.length), Math.min(partial.offset + partial.length, bytes.length));
}
