import type { CommandCursor } from "./command-cursor.js";
import type { ByteRange, FetchItem, Section, SimpleFetchItem } from "./command-types.js";

const SIMPLE_ITEMS = new Set<string>([
  "ENVELOPE",
  "FLAGS",
  "INTERNALDATE",
  "RFC822",
  "RFC822.HEADER",
  "RFC822.SIZE",
  "RFC822.TEXT",
  "BODY",
  "BODYSTRUCTURE",
  "UID",
  "MODSEQ",
]);

const MACROS: Record<string, SimpleFetchItem[]> = {
  ALL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
  FAST: ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  FULL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
};

const SECTION_TEXTS = new Set(["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]);

/** ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") */
export function parseFetchItems(cursor: CommandCursor): FetchItem[] {
  if (cursor.peek() === 0x28) return cursor.parenthesized(() => parseFetchItem(cursor), false);
  const start = cursor.word();
  const macro = MACROS[start];
  if (macro) return macro.map((kind) => ({ kind }));
  return [fetchItemNamed(cursor, start)];
}

function parseFetchItem(cursor: CommandCursor): FetchItem {
  return fetchItemNamed(cursor, cursor.word());
}

function fetchItemNamed(cursor: CommandCursor, name: string): FetchItem {
  if ((name === "BODY" || name === "BODY.PEEK") && cursor.peek() === 0x5b) {
    const section = parseSection(cursor);
    return { kind: "BODY[]", peek: name === "BODY.PEEK", section, partial: parsePartial(cursor) };
  }
  if (!SIMPLE_ITEMS.has(name)) cursor.fail(name === "" ? "Expected a FETCH item" : `Unknown FETCH item ${name}`);
  return { kind: name as SimpleFetchItem };
}

/** "[" [section-part ["." section-text] / section-msgtext] "]" */
export function parseSection(cursor: CommandCursor): Section {
  cursor.expectByte(0x5b, "[");
  const spec = cursor.word();
  const segments = spec === "" ? [] : spec.split(".");
  const part: number[] = [];
  while (segments.length > 0 && /^[0-9]+$/.test(segments[0]!)) {
    const value = Number(segments.shift());
    if (value === 0 || value > 0xffffffff) cursor.fail("Invalid section part number");
    part.push(value);
  }
  const text = segments.join(".");
  if (text !== "" && !SECTION_TEXTS.has(text)) cursor.fail(`Invalid section ${spec}`);
  if (text === "MIME" && part.length === 0) cursor.fail("MIME needs a part number");
  if (spec.endsWith(".") || spec.startsWith(".")) cursor.fail(`Invalid section ${spec}`);
  const fields = text.startsWith("HEADER.FIELDS") ? headerList(cursor) : [];
  cursor.expectByte(0x5d, "]");
  return { part, text: text === "" ? null : (text as Section["text"]), fields };
}

function headerList(cursor: CommandCursor): string[] {
  cursor.space();
  return cursor.parenthesized(() => cursor.astring().toUpperCase(), false);
}

/** "<" number "." nz-number ">" */
function parsePartial(cursor: CommandCursor): ByteRange | null {
  if (!cursor.tryByte(0x3c)) return null;
  const offset = cursor.number("a partial offset");
  cursor.expectByte(0x2e, ".");
  const length = cursor.nzNumber("a partial length");
  cursor.expectByte(0x3e, ">");
  return { offset, length };
}

/** FETCH modifiers (RFC 7162): "(" CHANGEDSINCE mod-sequence ")" */
export function parseFetchModifiers(cursor: CommandCursor): bigint | null {
  let changedSince: bigint | null = null;
  cursor.parenthesized(() => {
    const name = cursor.atom("a FETCH modifier").toUpperCase();
    if (name !== "CHANGEDSINCE") cursor.fail(`Unknown FETCH modifier ${name}`);
    cursor.space();
    changedSince = cursor.modSeq();
  }, false);
  return changedSince;
}
