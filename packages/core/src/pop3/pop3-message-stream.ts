/**
 * Multi-line POP3 responses (RFC 1939 section 3) as byte streams: every line that starts with "."
 * gets one more, and the response ends with CRLF "." CRLF. Works chunk by chunk, so a message is
 * never held whole.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EXTRA_DOT = Buffer.from(".");
const CRLF = Buffer.from("\r\n");
const TERMINATOR = Buffer.from(".\r\n");

/**
 * Byte-stuffed and terminated. A line starts after every LF (a bare LF too: clients split on it),
 * and a message that does not end with a line break gets CRLF before the terminator.
 */
export async function* dotStuffed(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  let atLineStart = true;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    let from = 0;
    let lineStart = atLineStart ? 0 : nextLineStart(chunk, 0);
    while (lineStart !== -1 && lineStart < chunk.length) {
      if (chunk[lineStart] === DOT) {
        yield chunk.subarray(from, lineStart);
        yield EXTRA_DOT;
        from = lineStart;
      }
      lineStart = nextLineStart(chunk, lineStart);
    }
    yield chunk.subarray(from);
    atLineStart = chunk[chunk.length - 1] === LF;
  }
  if (!atLineStart) yield CRLF;
  yield TERMINATOR;
}

function nextLineStart(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(LF, from);
  return lf === -1 ? -1 : lf + 1;
}

/**
 * TOP: the header, the blank line after it and the first `lines` lines of the body, as stored.
 * Stops reading the source once that much is through. A message without a blank line is all header.
 */
export async function* topOf(chunks: AsyncIterable<Buffer>, lines: number): AsyncGenerator<Buffer> {
  let inHeader = true;
  let bodyLinesLeft = lines;
  // Bytes of the current line so far, and the byte before the current position (lines span chunks).
  let lineBytes = 0;
  let previous = -1;
  for await (const chunk of chunks) {
    let pos = 0;
    for (;;) {
      if (!inHeader && bodyLinesLeft === 0) {
        if (pos > 0) yield chunk.subarray(0, pos);
        return;
      }
      if (pos >= chunk.length) break;
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        lineBytes += chunk.length - pos;
        previous = chunk[chunk.length - 1]!;
        break;
      }
      lineBytes += lf - pos;
      const beforeLf = lf > 0 ? chunk[lf - 1] : previous;
      const empty = lineBytes === 0 || (lineBytes === 1 && beforeLf === CR);
      if (inHeader) inHeader = !empty;
      else bodyLinesLeft -= 1;
      lineBytes = 0;
      previous = LF;
      pos = lf + 1;
    }
    yield chunk;
  }
}

/** A listing (LIST, UIDL, CAPA) as one stuffed, terminated response, in chunks of many lines. */
export async function* listingLines(lines: Iterable<string>): AsyncGenerator<Buffer> {
  const batch: string[] = [];
  const flush = () => Buffer.from(batch.splice(0).join(""), "utf8");
  for (const line of lines) {
    batch.push(`${line.startsWith(".") ? "." : ""}${line}\r\n`);
    if (batch.length >= 1000) yield flush();
  }
  if (batch.length > 0) yield flush();
  yield TERMINATOR;
}
