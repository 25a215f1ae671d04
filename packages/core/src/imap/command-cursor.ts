import type { FramedCommand, FramedLiteral } from "./command-reader.js";
import { isAstringChar, isAtomChar, isDigit, isListChar, isQuotedChar, isTagChar } from "./imap-syntax.js";
import { ImapParseError } from "./parse-error.js";
import { MAX_SEQUENCE_NUMBER, parseSequenceSet, type SequenceSet } from "./sequence-set.js";

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_MODSEQ = 2n ** 63n - 1n;
const SYSTEM_FLAGS = new Map(
  ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent"].map((flag) => [flag.slice(1).toLowerCase(), flag]),
);

/**
 * Reads RFC 3501's data types from a framed command, left to right, in one pass. A literal is taken
 * where a line ends with its marker, and reading continues on the next line. Every mismatch throws
 * ImapParseError; nothing backtracks more than one token.
 */
export class CommandCursor {
  private lineIndex = 0;
  private pos = 0;
  tag: string | null = null;

  constructor(private readonly command: FramedCommand) {}

  private get line(): Buffer {
    return this.command.lines[this.lineIndex]!;
  }

  fail(message: string): never {
    throw new ImapParseError(this.tag, message);
  }

  /** The next byte, or -1 at the end of the current line. */
  peek(): number {
    return this.pos < this.line.length ? this.line[this.pos]! : -1;
  }

  atEnd(): boolean {
    return this.pos >= this.line.length && this.lineIndex === this.command.lines.length - 1;
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail("Unexpected extra arguments");
  }

  tryByte(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.pos++;
    return true;
  }

  expectByte(byte: number, what: string): void {
    if (!this.tryByte(byte)) this.fail(`Expected ${what}`);
  }

  space(): void {
    this.expectByte(SP, "a space");
  }

  trySpace(): boolean {
    return this.tryByte(SP);
  }

  private take(accept: (byte: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.line.length && accept(this.line[this.pos]!)) this.pos++;
    return this.line.subarray(start, this.pos).toString("latin1");
  }

  /** Consumes `keyword` (case-insensitive) when it comes next as a whole word. */
  tryKeyword(keyword: string): boolean {
    const end = this.pos + keyword.length;
    if (end > this.line.length) return false;
    if (this.line.subarray(this.pos, end).toString("latin1").toUpperCase() !== keyword) return false;
    if (end < this.line.length && this.line[end] !== SP) return false;
    this.pos = end;
    return true;
  }

  readTag(): string {
    const tag = this.take(isTagChar);
    if (tag === "") this.fail(this.peek() === -1 ? "Empty command" : "Missing or invalid tag");
    this.tag = tag;
    return tag;
  }

  atom(what = "an atom"): string {
    const atom = this.take(isAtomChar);
    this.refuseEightBit();
    if (atom === "") this.fail(`Expected ${what}`);
    return atom;
  }

  /** Atoms are 7-bit (CHAR); a stray 8-bit byte gets its own message rather than "expected a space". */
  private refuseEightBit(): void {
    if (this.peek() >= 0x80) this.fail("8-bit character in an atom");
  }

  /** Letters, digits and dots: the names of commands, FETCH items and section texts. */
  word(): string {
    return this.take((b) => isDigit(b) || b === 0x2e || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a)).toUpperCase();
  }

  astring(): string {
    const next = this.peek();
    if (next === DQUOTE || next === 0x7b || next === 0x7e) return this.string();
    const atom = this.take(isAstringChar);
    this.refuseEightBit();
    if (atom === "") this.fail("Expected a string");
    return atom;
  }

  string(): string {
    if (this.peek() === DQUOTE) return this.quoted();
    return this.literal(false).data.toString("utf8");
  }

  /** nstring: a string or NIL. */
  nstring(): string | null {
    const next = this.peek();
    if (next === DQUOTE || next === 0x7b) return this.string();
    if (this.take(isAtomChar).toUpperCase() !== "NIL") this.fail("Expected a string or NIL");
    return null;
  }

  quoted(): string {
    this.expectByte(DQUOTE, "a quoted string");
    const bytes: number[] = [];
    for (;;) {
      const byte = this.peek();
      if (byte === -1) this.fail("Unterminated quoted string");
      this.pos++;
      if (byte === DQUOTE) return Buffer.from(bytes).toString("utf8");
      if (byte === BACKSLASH) {
        const escaped = this.peek();
        if (escaped !== DQUOTE && escaped !== BACKSLASH) this.fail("Invalid escape in quoted string");
        this.pos++;
        bytes.push(escaped);
      } else if (!isQuotedChar(byte)) {
        this.fail("Invalid character in quoted string");
      } else {
        bytes.push(byte);
      }
    }
  }

  /** A literal whose marker ends the current line; its bytes are the framed literal after that line. */
  literal(allowBinary: boolean): FramedLiteral {
    const binary = this.tryByte(0x7e);
    if (binary && !allowBinary) this.fail("literal8 is not allowed here");
    this.expectByte(0x7b, "a literal");
    const digits = this.take(isDigit);
    if (digits === "" || digits.length > 15) this.fail("Invalid literal size");
    this.tryByte(0x2b);
    this.expectByte(0x7d, "}");
    if (this.pos !== this.line.length) this.fail("A literal must end its line");
    const literal = this.command.literals[this.lineIndex];
    if (!literal || literal.data.length !== Number(digits)) this.fail("Literal shorter than announced");
    this.lineIndex++;
    this.pos = 0;
    return literal;
  }

  /** number: 1*DIGIT, a 32-bit unsigned value. */
  number(what = "a number"): number {
    const digits = this.take(isDigit);
    if (digits === "" || digits.length > 10 || Number(digits) > MAX_SEQUENCE_NUMBER) this.fail(`Expected ${what}`);
    return Number(digits);
  }

  nzNumber(what = "a non-zero number"): number {
    const value = this.number(what);
    if (value === 0) this.fail(`Expected ${what}`);
    return value;
  }

  /** mod-sequence-value: 1*DIGIT up to 2^63-1 (RFC 7162). */
  modSeq(): bigint {
    const digits = this.take(isDigit);
    if (digits === "" || digits.length > 19 || BigInt(digits) > MAX_MODSEQ) this.fail("Expected a mod-sequence value");
    return BigInt(digits);
  }

  /** list-mailbox: 1*list-char or a string. */
  listMailbox(): string {
    const next = this.peek();
    if (next === DQUOTE || next === 0x7b) return this.string();
    const text = this.take(isListChar);
    this.refuseEightBit();
    if (text === "") this.fail("Expected a mailbox pattern");
    return text;
  }

  sequenceSet(): SequenceSet {
    const text = this.take((b) => isDigit(b) || b === 0x2a || b === 0x3a || b === 0x2c);
    const result = parseSequenceSet(text);
    if (!result.ok) this.fail(result.message);
    return result.set;
  }

  /** flag: "\" atom or atom (keyword); system flags come back in their canonical case. */
  flag(): string {
    const system = this.tryByte(BACKSLASH);
    const name = this.atom("a flag");
    if (!system) return name;
    return SYSTEM_FLAGS.get(name.toLowerCase()) ?? `\\${name}`;
  }

  /** "(" [item *(SP item)] ")" */
  parenthesized<T>(readItem: () => T, allowEmpty = true): T[] {
    this.expectByte(0x28, "(");
    const items: T[] = [];
    if (this.tryByte(0x29)) {
      if (!allowEmpty) this.fail("Empty list");
      return items;
    }
    do items.push(readItem());
    while (this.trySpace());
    this.expectByte(0x29, ")");
    return items;
  }
}
