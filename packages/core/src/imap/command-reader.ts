import { leadingTag } from "./imap-syntax.js";

/**
 * Frames a client's byte stream into IMAP commands: a command is a line, or several lines joined by
 * literals (`{n}` synchronizing, `{n+}` non-synchronizing per LITERAL+, `~{n}` literal8 for APPEND).
 * It holds at most the configured limits in memory, refuses an oversized synchronizing literal before
 * the client sends it, and skips the bytes of anything it has refused so they are never read as
 * commands (a literal's body read as a command line is a command injection).
 */

export interface CommandReaderLimits {
  /** Bytes of one line outside literals, CRLF excluded. */
  maxLineLength: number;
  /** Bytes of one literal (the APPEND message size limit). */
  maxLiteralSize: number;
  /** Bytes of a whole command: its lines and literals together. */
  maxCommandSize: number;
}

export const DEFAULT_READER_LIMITS: CommandReaderLimits = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 50 * 1024 * 1024,
  maxCommandSize: 51 * 1024 * 1024,
};

export interface FramedLiteral {
  data: Buffer;
  /** Announced as literal8 (`~{n}`): may hold NUL bytes. */
  binary: boolean;
}

export interface FramedCommand {
  /** Lines without their CRLF; every line but the last ends with the literal marker of literals[i]. */
  lines: Buffer[];
  literals: FramedLiteral[];
}

export type ReaderRefusal = "line-too-long" | "literal-too-large" | "command-too-large";

export interface ReaderError {
  /** The command's tag when its first line showed one; the answer is untagged (`* BAD`) otherwise. */
  tag: string | null;
  status: "BAD" | "NO";
  /** A response code for the answer, e.g. TOOBIG. */
  code: "TOOBIG" | null;
  reason: ReaderRefusal;
  text: string;
}

export type ReaderEvent =
  | { type: "command"; command: FramedCommand }
  /** A synchronizing literal was accepted: the caller must now send `+ <text>` so the client sends it. */
  | { type: "continue" }
  | { type: "error"; error: ReaderError };

export interface LiteralMarker {
  size: number;
  synchronizing: boolean;
  binary: boolean;
}

type State =
  | { kind: "line" }
  | { kind: "literal"; remaining: number; chunks: Buffer[]; binary: boolean }
  | { kind: "skip"; remaining: number };

const LF = 0x0a;
const CR = 0x0d;
/** Enough of a discarded line's end to still see a literal marker there. */
const TAIL_BYTES = 24;

export class CommandReader {
  private limits: CommandReaderLimits;
  private state: State = { kind: "line" };
  private lineChunks: Buffer[] = [];
  private lineLength = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** The current command has been answered with an error; its remaining bytes are skipped. */
  private discarding = false;
  private lines: Buffer[] = [];
  private literals: FramedLiteral[] = [];
  private commandSize = 0;
  private tag: string | null = null;

  constructor(limits: Partial<CommandReaderLimits> = {}) {
    this.limits = { ...DEFAULT_READER_LIMITS, ...limits };
  }

  /**
   * Changes the limits from the next command on: a server keeps literals small before authentication
   * (no one should upload 50 MB to LOGIN) and raises them once the client has logged in.
   */
  setLimits(limits: Partial<CommandReaderLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** Bytes held for the command being read (for tests and metrics). */
  get bufferedBytes(): number {
    const literalBytes = this.state.kind === "literal" ? this.state.chunks.reduce((n, c) => n + c.length, 0) : 0;
    return this.lineLength + literalBytes + this.lines.reduce((n, l) => n + l.length, 0);
  }

  /** Whether the reader is between commands (no partial command is held). */
  get idle(): boolean {
    return this.state.kind === "line" && this.lineLength === 0 && this.lines.length === 0 && !this.discarding;
  }

  push(chunk: Buffer): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state.kind === "line") offset = this.readLine(chunk, offset, events);
      else if (this.state.kind === "literal") offset = this.readLiteral(this.state, chunk, offset);
      else offset = this.skip(this.state, chunk, offset);
    }
    return events;
  }

  private readLine(chunk: Buffer, offset: number, events: ReaderEvent[]): number {
    const lf = chunk.indexOf(LF, offset);
    const end = lf === -1 ? chunk.length : lf;
    const piece = chunk.subarray(offset, end);
    if (!this.discarding) this.collect(piece, events);
    if (this.discarding) this.keepTail(piece);
    if (lf === -1) return chunk.length;
    this.endLine(events);
    return lf + 1;
  }

  private collect(piece: Buffer, events: ReaderEvent[]): void {
    // One byte of slack for the CR that belongs to the line ending.
    const overLine = this.lineLength + piece.length > this.limits.maxLineLength + 1;
    const overCommand = this.commandSize + this.lineLength + piece.length > this.limits.maxCommandSize + 1;
    if (!overLine && !overCommand) {
      this.lineChunks.push(Buffer.from(piece));
      this.lineLength += piece.length;
      return;
    }
    const held = Buffer.concat(this.lineChunks);
    const room = Math.max(0, this.limits.maxLineLength - this.lineLength);
    if (this.lines.length === 0) this.tag = leadingTag(Buffer.concat([held, piece.subarray(0, room)]));
    // readLine adds this piece's own end to the tail once the command is being discarded.
    this.tail = held.subarray(Math.max(0, held.length - TAIL_BYTES));
    this.lineChunks = [];
    this.lineLength = 0;
    this.refuse(events, overLine ? "line-too-long" : "command-too-large");
  }

  private keepTail(piece: Buffer): void {
    const joined = Buffer.concat([this.tail, piece.subarray(Math.max(0, piece.length - TAIL_BYTES))]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - TAIL_BYTES)));
  }

  private endLine(events: ReaderEvent[]): void {
    if (this.discarding) {
      const marker = literalMarker(stripCr(this.tail));
      this.tail = Buffer.alloc(0);
      // The client goes on with a non-synchronizing literal regardless; a synchronizing one waits for a
      // continuation it will not get, so the command ends here.
      if (marker && !marker.synchronizing && Number.isFinite(marker.size)) this.state = { kind: "skip", remaining: marker.size };
      else this.reset();
      return;
    }
    const line = stripCr(Buffer.concat(this.lineChunks));
    this.lineChunks = [];
    this.lineLength = 0;
    if (this.lines.length === 0) this.tag = leadingTag(line);
    this.lines.push(line);
    this.commandSize += line.length;
    const marker = literalMarker(line);
    if (marker) this.startLiteral(marker, events);
    else this.emitCommand(events);
  }

  private startLiteral(marker: LiteralMarker, events: ReaderEvent[]): void {
    const tooLarge = marker.size > this.limits.maxLiteralSize;
    if (tooLarge || this.commandSize + marker.size > this.limits.maxCommandSize) {
      this.refuse(events, tooLarge ? "literal-too-large" : "command-too-large");
      if (marker.synchronizing || !Number.isFinite(marker.size)) this.reset();
      else this.state = { kind: "skip", remaining: marker.size };
      return;
    }
    if (marker.synchronizing) events.push({ type: "continue" });
    this.state = { kind: "literal", remaining: marker.size, chunks: [], binary: marker.binary };
    if (marker.size === 0) this.endLiteral(this.state);
  }

  private readLiteral(state: State & { kind: "literal" }, chunk: Buffer, offset: number): number {
    const take = Math.min(state.remaining, chunk.length - offset);
    state.chunks.push(Buffer.from(chunk.subarray(offset, offset + take)));
    state.remaining -= take;
    if (state.remaining === 0) this.endLiteral(state);
    return offset + take;
  }

  private endLiteral(state: State & { kind: "literal" }): void {
    const data = Buffer.concat(state.chunks);
    this.literals.push({ data, binary: state.binary });
    this.commandSize += data.length;
    this.state = { kind: "line" };
  }

  private skip(state: State & { kind: "skip" }, chunk: Buffer, offset: number): number {
    const take = Math.min(state.remaining, chunk.length - offset);
    state.remaining -= take;
    if (state.remaining === 0) this.state = { kind: "line" };
    return offset + take;
  }

  private refuse(events: ReaderEvent[], reason: ReaderRefusal): void {
    this.discarding = true;
    this.lines = [];
    this.literals = [];
    events.push({ type: "error", error: readerError(this.tag, reason) });
  }

  private emitCommand(events: ReaderEvent[]): void {
    events.push({ type: "command", command: { lines: this.lines, literals: this.literals } });
    this.reset();
  }

  private reset(): void {
    this.state = { kind: "line" };
    this.discarding = false;
    this.lines = [];
    this.literals = [];
    this.commandSize = 0;
    this.tag = null;
  }
}

function readerError(tag: string | null, reason: ReaderRefusal): ReaderError {
  if (reason === "line-too-long") return { tag, status: "BAD", code: null, reason, text: "Command line too long" };
  if (reason === "literal-too-large") return { tag, status: "NO", code: "TOOBIG", reason, text: "Literal too large" };
  return { tag, status: "NO", code: "TOOBIG", reason, text: "Command too large" };
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

/** The literal marker a line ends with: `{n}`, `{n+}`, `~{n}` or `~{n+}`; null when it has none. */
export function literalMarker(line: Buffer): LiteralMarker | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return null;
  i--;
  const synchronizing = line[i] !== 0x2b;
  if (!synchronizing) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i < 0 || line[i] !== 0x7b || i + 1 === digitsEnd) return null;
  const digits = line.subarray(i + 1, digitsEnd).toString("latin1");
  const size = digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
  return { size, synchronizing, binary: i > 0 && line[i - 1] === 0x7e };
}
