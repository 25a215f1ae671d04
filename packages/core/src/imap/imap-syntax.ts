/**
 * Character classes of RFC 3501's formal syntax (section 9), as byte predicates. Everything that reads
 * or writes protocol text asks these, so the reader, the parser and the writer agree on what an atom is.
 */

const SP = 0x20;

/** CTL: %x00-1F / %x7F. */
export function isControl(byte: number): boolean {
  return byte < 0x20 || byte === 0x7f;
}

/** atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]"; and no 8-bit (CHAR is %x01-7F). */
export function isAtomChar(byte: number): boolean {
  if (byte <= SP || byte >= 0x7f) return false;
  return !ATOM_SPECIALS.has(byte);
}

const ATOM_SPECIALS = new Set([0x28, 0x29, 0x7b, 0x25, 0x2a, 0x22, 0x5c, 0x5d]);

/** ASTRING-CHAR: ATOM-CHAR or resp-specials ("]"). */
export function isAstringChar(byte: number): boolean {
  return isAtomChar(byte) || byte === 0x5d;
}

/** tag: any ASTRING-CHAR except "+". */
export function isTagChar(byte: number): boolean {
  return isAstringChar(byte) && byte !== 0x2b;
}

/** list-char: ATOM-CHAR, list-wildcards ("%" "*") or resp-specials. */
export function isListChar(byte: number): boolean {
  return isAstringChar(byte) || byte === 0x25 || byte === 0x2a;
}

/** TEXT-CHAR inside a quoted string: any CHAR but CR and LF (8-bit accepted for UTF-8 clients). */
export function isQuotedChar(byte: number): boolean {
  return byte !== 0x0a && byte !== 0x0d && byte !== 0x00;
}

export function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** The tag at the start of a command line, if it has one (used to address errors before parsing). */
export function leadingTag(line: Buffer): string | null {
  let end = 0;
  while (end < line.length && isTagChar(line[end]!)) end++;
  if (end === 0) return null;
  if (end < line.length && line[end] !== SP && line[end] !== 0x0d && line[end] !== 0x0a) return null;
  return line.subarray(0, end).toString("latin1");
}

export function isAtom(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isAtomChar(text.charCodeAt(i))) return false;
  return true;
}

/** Whether a string fits a quoted string on the wire: 7-bit, no CR, LF or NUL. */
export function fitsQuoted(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}
