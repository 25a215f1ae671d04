import { describe, expect, it } from "vitest";
import { CommandReader, literalMarker, type ReaderEvent } from "../../src/imap/command-reader.js";
import { readerErrorResponse } from "../../src/imap/response-writer.js";

const limits = { maxLineLength: 1024, maxLiteralSize: 4096, maxCommandSize: 8192 };

/** What a stream of events means, in a form easy to compare across chunkings. */
function describeEvents(events: ReaderEvent[]): string[] {
  return events.map((event) => {
    if (event.type === "continue") return "+";
    if (event.type === "error") return readerErrorResponse(event.error).trimEnd();
    const { lines, literals } = event.command;
    return lines
      .map((line, i) => line.toString("latin1") + (literals[i] ? `<${literals[i]!.data.toString("latin1")}>` : ""))
      .join("");
  });
}

function feed(input: Buffer, chunkSizes: (i: number) => number): string[] {
  const reader = new CommandReader(limits);
  const events: ReaderEvent[] = [];
  for (let offset = 0, i = 0; offset < input.length; i++) {
    const size = Math.max(1, chunkSizes(i));
    events.push(...reader.push(input.subarray(offset, offset + size)));
    offset += size;
  }
  return describeEvents(events);
}

/** A small deterministic PRNG so a failing split can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const session = Buffer.from(
  [
    "a1 LOGIN {4}\r\nuser {6}\r\nsecret\r\n",
    "a2 SELECT INBOX\r\n",
    "a3 APPEND Drafts (\\Seen) {12+}\r\nhello\r\nworld\r\n",
    "a4 APPEND Drafts ~{3}\r\n\0\x01\x02\r\n",
    `a5 NOOP ${"x".repeat(2000)}\r\n`,
    "a6 APPEND Drafts {99999}\r\n",
    "a7 APPEND Drafts {99999+}\r\n",
    "z".repeat(99999),
    " more\r\n",
    "a8 LOGOUT\r\n",
  ].join(""),
  "latin1",
);

describe("command reader", () => {
  it("frames lines and literals, asking for a continuation only for synchronizing literals", () => {
    expect(feed(session, () => session.length)).toEqual([
      "+",
      "+",
      "a1 LOGIN {4}<user> {6}<secret>",
      "a2 SELECT INBOX",
      "a3 APPEND Drafts (\\Seen) {12+}<hello\r\nworld>",
      "+",
      "a4 APPEND Drafts ~{3}<\0\x01\x02>",
      "a5 BAD Command line too long",
      "a6 NO [TOOBIG] Literal too large",
      "a7 NO [TOOBIG] Literal too large",
      "a8 LOGOUT",
    ]);
  });

  it("gives the same result byte by byte and in random splits", () => {
    const whole = feed(session, () => session.length);
    expect(feed(session, () => 1)).toEqual(whole);
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      expect(feed(session, () => Math.floor(next() * 300))).toEqual(whole);
    }
  });

  it("marks literal8 as binary and keeps NUL bytes", () => {
    const reader = new CommandReader(limits);
    const events = reader.push(Buffer.from("t APPEND x ~{2+}\r\n\0\0\r\n"));
    expect(events).toHaveLength(1);
    const command = events[0]!.type === "command" ? events[0]!.command : null;
    expect(command?.literals[0]).toEqual({ data: Buffer.from([0, 0]), binary: true });
  });

  it("refuses an oversized synchronizing literal before its bytes and reads the next line as a command", () => {
    const reader = new CommandReader(limits);
    expect(describeEvents(reader.push(Buffer.from("b1 APPEND INBOX {5000}\r\n")))).toEqual(["b1 NO [TOOBIG] Literal too large"]);
    expect(reader.idle).toBe(true);
    expect(describeEvents(reader.push(Buffer.from("b2 NOOP\r\n")))).toEqual(["b2 NOOP"]);
  });

  it("skips the bytes of a refused non-synchronizing literal instead of reading them as commands", () => {
    const reader = new CommandReader(limits);
    const injected = `${"y".repeat(4990)}\r\nc9 DELETE INBOX\r\n`;
    const events = reader.push(Buffer.from(`c1 APPEND INBOX {${injected.length}+}\r\n${injected}\r\nc2 NOOP\r\n`));
    expect(describeEvents(events)).toEqual(["c1 NO [TOOBIG] Literal too large", "c2 NOOP"]);
  });

  it("never holds an overlong line: a 1 MB line is refused and discarded up to its CRLF", () => {
    const reader = new CommandReader(limits);
    const events: ReaderEvent[] = [reader.push(Buffer.from("d1 SEARCH TEXT "))].flat();
    const block = Buffer.alloc(64 * 1024, "a");
    let peak = 0;
    for (let i = 0; i < 16; i++) {
      events.push(...reader.push(block));
      peak = Math.max(peak, reader.bufferedBytes);
    }
    events.push(...reader.push(Buffer.from("\r\nd2 NOOP\r\n")));
    expect(peak).toBeLessThanOrEqual(limits.maxLineLength + 1);
    expect(describeEvents(events)).toEqual(["d1 BAD Command line too long", "d2 NOOP"]);
  });

  it("skips the non-synchronizing literal that ends an overlong line, however the bytes arrive", () => {
    const injected = "x1 DELETE INBOX\r\n";
    const input = Buffer.from(`k1 SEARCH TEXT ${"a".repeat(2000)} {${injected.length}+}\r\n${injected}\r\nk2 NOOP\r\n`);
    const expected = ["k1 BAD Command line too long", "k2 NOOP"];
    expect(feed(input, () => input.length)).toEqual(expected);
    expect(feed(input, () => 1)).toEqual(expected);
    for (const size of [2, 3, 5, 7, 1000, 2010, 2014]) expect(feed(input, () => size)).toEqual(expected);
    // The limit is crossed in the middle of the literal's size: the size must still be read whole.
    const split = Buffer.from(`k1 ${"a".repeat(1017)} {1`);
    const rest = Buffer.from(`${injected.length - 10}+}\r\n${injected}\r\nk2 NOOP\r\n`);
    expect(feed(Buffer.concat([split, rest]), (i) => (i === 0 ? split.length : 1000))).toEqual(expected);
  });

  it("answers untagged when the overlong line shows no tag", () => {
    const reader = new CommandReader(limits);
    expect(describeEvents(reader.push(Buffer.from(`${"(".repeat(2000)}\r\n`)))).toEqual(["* BAD Command line too long"]);
  });

  it("refuses a command whose lines and literals together pass the command limit", () => {
    const reader = new CommandReader({ ...limits, maxCommandSize: 5000 });
    const events = reader.push(Buffer.from(`e1 LOGIN {3000+}\r\n${"u".repeat(3000)} {3000}\r\ne2 NOOP\r\n`));
    expect(describeEvents(events)).toEqual(["e1 NO [TOOBIG] Command too large", "e2 NOOP"]);
  });

  it("waits for the rest of a literal that is shorter than announced", () => {
    const reader = new CommandReader(limits);
    const events = reader.push(Buffer.from("f1 LOGIN {10}\r\nabc\r\n"));
    expect(describeEvents(events)).toEqual(["+"]);
    expect(reader.idle).toBe(false);
    expect(reader.bufferedBytes).toBe("f1 LOGIN {10}".length + 5);
  });

  it("accepts a zero-length literal and a bare LF line ending", () => {
    const reader = new CommandReader(limits);
    expect(describeEvents(reader.push(Buffer.from("g1 LOGIN {0}\r\n x\ng2 NOOP\n")))).toEqual([
      "+",
      "g1 LOGIN {0}<> x",
      "g2 NOOP",
    ]);
  });

  it.each([
    ["{12}", { size: 12, synchronizing: true, binary: false }],
    ["{12+}", { size: 12, synchronizing: false, binary: false }],
    ["~{7}", { size: 7, synchronizing: true, binary: true }],
    ["{abc}", null],
    ["{}", null],
    ["{12", null],
    ["12}", null],
    ["{99999999999999999999}", { size: Number.POSITIVE_INFINITY, synchronizing: true, binary: false }],
  ])("reads the literal marker %s", (text, expected) => {
    expect(literalMarker(Buffer.from(`a APPEND x ${text}`))).toEqual(expected);
  });

  it("applies changed limits to the commands after the change", () => {
    const reader = new CommandReader({ ...limits, maxLiteralSize: 100 });
    expect(describeEvents(reader.push(Buffer.from("i1 LOGIN {500}\r\n")))).toEqual(["i1 NO [TOOBIG] Literal too large"]);
    reader.setLimits({ maxLiteralSize: 1000 });
    expect(describeEvents(reader.push(Buffer.from("i2 APPEND x {500}\r\n")))).toEqual(["+"]);
  });

  it("refuses an absurd literal size without waiting for it", () => {
    const reader = new CommandReader(limits);
    const events = reader.push(Buffer.from("h1 APPEND x {99999999999999999999+}\r\nh2 NOOP\r\n"));
    expect(describeEvents(events)).toEqual(["h1 NO [TOOBIG] Literal too large", "h2 NOOP"]);
  });
});
