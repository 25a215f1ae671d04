import { describe, expect, it } from "vitest";
import { CommandReader } from "../../src/imap/command-reader.js";
import { parseCommand } from "../../src/imap/command-parser.js";
import { ImapParseError } from "../../src/imap/parse-error.js";

const vocabulary = [
  "a1",
  " ",
  " ",
  "(",
  ")",
  "[",
  "]",
  "<",
  ">",
  ".",
  "*",
  "%",
  ":",
  ",",
  '"',
  "\\",
  "{3}\r\nabc",
  "{2+}\r\nxy",
  "~{1}\r\n\0",
  "{x}",
  "FETCH",
  "UID",
  "SEARCH",
  "STORE",
  "+FLAGS",
  "BODY",
  "BODY.PEEK",
  "HEADER.FIELDS",
  "MIME",
  "1",
  "0",
  "1:*",
  "NOT",
  "OR",
  "APPEND",
  "LOGIN",
  "LIST",
  "STATUS",
  "ID",
  "NIL",
  "SINCE",
  "1-Feb-1994",
  "CHARSET",
  "&APw-",
  "&",
  "\u00e9",
  "\t",
];

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe("parser robustness", () => {
  it("answers every random command with a command or an ImapParseError, never another exception", () => {
    const next = random(42);
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(next() * 14);
      const words = Array.from({ length }, () => vocabulary[Math.floor(next() * vocabulary.length)]!);
      const input = Buffer.from(`${words.join("")}\r\n`);
      for (const event of new CommandReader({ maxLineLength: 4096 }).push(input)) {
        if (event.type !== "command") continue;
        const result = parseCommand(event.command);
        if (result.ok) parsed++;
        else {
          expect(result.error).toBeInstanceOf(ImapParseError);
          refused++;
        }
      }
    }
    expect(parsed + refused).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(0);
  });
});
