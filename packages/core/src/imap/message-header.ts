/**
 * A message's (or MIME part's) header block split into fields, unfolded but otherwise raw: IMAP hands
 * clients header values undecoded (encoded-words stay as they are in ENVELOPE).
 */

export interface HeaderField {
  /** Lower-cased field name, for lookup. */
  key: string;
  /** The value with folding removed and surrounding whitespace trimmed. */
  value: string;
}

/** Fields past this many are ignored: a header block cannot grow the tree without bound. */
const MAX_FIELDS = 1000;

export function parseHeaderBlock(block: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let current: { key: string; parts: string[] } | null = null;
  const finish = () => {
    if (current && fields.length < MAX_FIELDS) fields.push({ key: current.key, value: current.parts.join("").trim() });
    current = null;
  };
  for (const line of block.toString("utf8").split("\n")) {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text === "") continue;
    if ((text[0] === " " || text[0] === "\t") && current) {
      // Unfolding removes the CRLF only; the whitespace that starts the next line stays.
      (current as { parts: string[] }).parts.push(text);
      continue;
    }
    finish();
    const colon = text.indexOf(":");
    if (colon <= 0) continue;
    current = { key: text.slice(0, colon).trim().toLowerCase(), parts: [text.slice(colon + 1)] };
  }
  finish();
  return fields;
}

export function headerValue(fields: readonly HeaderField[], key: string): string | null {
  return fields.find((field) => field.key === key)?.value ?? null;
}

/** The end of the header block: where the body starts (after the empty line), within [start, end). */
export function findBodyStart(raw: Buffer, start: number, end: number): number {
  // A part with an empty header starts with its blank line.
  if (raw[start] === 0x0a) return start + 1;
  if (raw[start] === 0x0d && raw[start + 1] === 0x0a) return Math.min(start + 2, end);
  let lf = raw.indexOf(0x0a, start);
  while (lf !== -1 && lf < end - 1) {
    const next = raw[lf + 1];
    if (next === 0x0a) return lf + 2;
    if (next === 0x0d && raw[lf + 2] === 0x0a && lf + 2 < end) return lf + 3;
    lf = raw.indexOf(0x0a, lf + 1);
  }
  return end;
}

/**
 * A header's value split into a token and `;` parameters (Content-Type, Content-Disposition), in one
 * left-to-right pass; comments are skipped and quoted values unescaped.
 */
export function parseParameterizedValue(value: string): { token: string; params: [string, string][] } {
  const pieces = splitOutsideQuotes(stripComments(value), ";");
  const token = (pieces.shift() ?? "").trim();
  const params: [string, string][] = [];
  for (const piece of pieces) {
    const eq = piece.indexOf("=");
    if (eq <= 0) continue;
    const name = piece.slice(0, eq).trim();
    let raw = piece.slice(eq + 1).trim();
    if (raw.startsWith('"')) raw = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined).replace(/\\(.)/g, "$1");
    if (name !== "") params.push([name, raw]);
  }
  return { token, params };
}

function stripComments(value: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === "\\" && (quoted || depth > 0)) {
      if (depth === 0) out += char + (value[i + 1] ?? "");
      i++;
    } else if (char === '"' && depth === 0) {
      quoted = !quoted;
      out += char;
    } else if (char === "(" && !quoted) depth++;
    else if (char === ")" && !quoted && depth > 0) depth--;
    else if (depth === 0) out += char;
  }
  return out;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const pieces: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === "\\" && quoted) {
      current += char + (value[i + 1] ?? "");
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      pieces.push(current);
      current = "";
    } else current += char;
  }
  pieces.push(current);
  return pieces;
}
