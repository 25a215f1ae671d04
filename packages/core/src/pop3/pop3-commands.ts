/**
 * POP3 command lines (RFC 1939, RFC 2449 section 4): bytes → lines within the length limit,
 * lines → keyword and arguments. No I/O and no state beyond the bytes of an unfinished line.
 */

/** The longest command line we read, CRLF included; longer ones are answered -ERR and skipped. */
export const MAX_LINE_BYTES = 512;
/** RFC 2449: each argument up to 255 octets. */
export const MAX_ARGUMENT_BYTES = 255;

export type ReadLine = { kind: "line"; text: string } | { kind: "too-long" };

/**
 * Splits a byte stream into command lines (LF or CRLF). A line past MAX_LINE_BYTES is reported
 * once as `too-long` and its bytes are dropped up to its end, so a client cannot make us hold more.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  push(chunk: Buffer): ReadLine[] {
    const out: ReadLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      const end = lf === -1 ? chunk.length : lf;
      if (!this.discarding) {
        this.pending.push(chunk.subarray(start, end));
        this.pendingBytes += end - start;
        // The LF to come counts towards the limit too.
        if (this.pendingBytes + 1 > MAX_LINE_BYTES) this.startDiscarding(out);
      }
      if (lf === -1) break;
      if (this.discarding) this.discarding = false;
      else out.push({ kind: "line", text: this.takeLine() });
      start = lf + 1;
    }
    return out;
  }

  /** Forget what was read and not yet a line (after STLS: nothing sent in clear text may count). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }

  private startDiscarding(out: ReadLine[]): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = true;
    out.push({ kind: "too-long" });
  }

  private takeLine(): string {
    let line = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    return line.toString("utf8");
  }
}

export interface Pop3Command {
  /** Upper-case keyword (`RETR`). */
  keyword: string;
  /** Arguments split on single spaces; empty ones dropped. */
  args: string[];
  /** Everything after the keyword and one space, as sent (PASS takes spaces as part of the password). */
  rest: string;
}

/** A command, or the reason the line is not one. */
export function parseCommand(line: string): Pop3Command | { error: string } {
  const space = line.indexOf(" ");
  const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
  const rest = space === -1 ? "" : line.slice(space + 1);
  if (!/^[A-Z]{3,4}$/.test(keyword)) return { error: "Unknown command" };
  const args = rest.split(" ").filter((a) => a !== "");
  if (keyword !== "PASS" && args.some((a) => Buffer.byteLength(a) > MAX_ARGUMENT_BYTES)) {
    return { error: `Argument too long (at most ${MAX_ARGUMENT_BYTES} octets)` };
  }
  return { keyword, args, rest };
}

/** `3` → 3; anything but a plain positive decimal → null. */
export function messageNumber(arg: string | undefined): number | null {
  if (arg === undefined || !/^[1-9][0-9]{0,8}$/.test(arg)) return null;
  return Number(arg);
}

/** `0`, `10` → the number; anything else → null (TOP's line count). */
export function lineCount(arg: string | undefined): number | null {
  if (arg === undefined || !/^[0-9]{1,9}$/.test(arg)) return null;
  return Number(arg);
}

export type PlainCredentials = { username: string; password: string };

/**
 * A SASL PLAIN response (RFC 4616): base64 of `authzid NUL authcid NUL password`. An authorisation
 * identity other than the login's own would be acting as someone else: not offered, refused.
 */
export function decodePlainResponse(response: string): PlainCredentials | { error: string } {
  const text = response === "=" ? "" : response;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    return { error: "Invalid base64 in the authentication response" };
  }
  const parts = Buffer.from(text, "base64").toString("utf8").split("\0");
  if (parts.length !== 3) return { error: "Malformed PLAIN response" };
  const [authzid = "", username = "", password = ""] = parts;
  if (authzid !== "" && authzid.toLowerCase() !== username.toLowerCase()) {
    return { error: "Acting as another identity is not supported" };
  }
  return { username, password };
}
