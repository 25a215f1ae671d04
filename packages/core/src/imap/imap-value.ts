import { fitsQuoted, isAtom } from "./imap-syntax.js";

/**
 * The values a server writes (RFC 3501 section 4), and their wire form. Strings pick their own form:
 * quoted when they fit, a literal when they hold CR, LF, NUL or 8-bit bytes (or are long).
 */
export type ImapValue = null | number | bigint | string | Buffer | ImapAtom | ImapSequence | readonly ImapValue[];

/** Written as is: flags, keywords, response item names. The caller vouches for its syntax. */
export interface ImapAtom {
  atom: string;
}

/** Values written back to back with no space, as a multipart's bodies are (`(…)(…) "MIXED"`). */
export interface ImapSequence {
  sequence: readonly ImapValue[];
}

export interface WriteOptions {
  /** UTF8=ACCEPT is enabled: quoted strings may carry UTF-8. */
  utf8?: boolean;
}

/** Longer strings go as literals: clients handle them the same and lines stay short. */
const MAX_QUOTED_LENGTH = 1024;

export function atom(text: string): ImapAtom {
  return { atom: text };
}

/** An astring: a bare atom when it is one (and not NIL), a string otherwise. */
export function astring(text: string): ImapValue {
  return isAtom(text) && text.toUpperCase() !== "NIL" ? atom(text) : text;
}

export function writeValue(value: ImapValue, options: WriteOptions = {}): Buffer {
  const parts: (string | Buffer)[] = [];
  appendValue(parts, value, options);
  return joinParts(parts);
}

export function joinParts(parts: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : part)));
}

export function appendValue(parts: (string | Buffer)[], value: ImapValue, options: WriteOptions): void {
  if (value === null) parts.push("NIL");
  else if (typeof value === "number" || typeof value === "bigint") parts.push(String(value));
  else if (typeof value === "string" || Buffer.isBuffer(value)) appendString(parts, value, options);
  else if (isList(value)) appendList(parts, value, options);
  else if ("sequence" in value) for (const item of value.sequence) appendValue(parts, item, options);
  else parts.push(value.atom);
}

function isList(value: ImapValue): value is readonly ImapValue[] {
  return Array.isArray(value);
}

function appendList(parts: (string | Buffer)[], list: readonly ImapValue[], options: WriteOptions): void {
  parts.push("(");
  list.forEach((item, index) => {
    if (index > 0) parts.push(" ");
    appendValue(parts, item, options);
  });
  parts.push(")");
}

function appendString(parts: (string | Buffer)[], value: string | Buffer, options: WriteOptions): void {
  const text = typeof value === "string" ? value : null;
  if (text !== null && text.length <= MAX_QUOTED_LENGTH && (fitsQuoted(text) || (options.utf8 && fitsQuotedUtf8(text)))) {
    parts.push(quote(text));
    return;
  }
  if (text === null && value.length <= MAX_QUOTED_LENGTH && fitsQuoted(value.toString("latin1"))) {
    parts.push(quote(value.toString("latin1")));
    return;
  }
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  parts.push(`{${bytes.length}}\r\n`, bytes);
}

function fitsQuotedUtf8(text: string): boolean {
  return !/[\0\r\n]/.test(text);
}

/** A quoted string; the caller has checked that it holds no CR, LF or NUL. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, "\\$&")}"`;
}
