import { describe, expect, it } from "vitest";
import { decodePlainResponse, LineReader, parseCommand } from "../../src/pop3/pop3-commands.js";
import { dotStuffed, listingLines, topOf } from "../../src/pop3/pop3-message-stream.js";

async function collect(source: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks).toString("latin1");
}

/** The text cut into chunks of `size` bytes, so every boundary case meets a chunk edge somewhere. */
async function* inChunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, "latin1");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("POP3 command lines", () => {
  it("splits CRLF and bare LF lines across chunks; a line over 512 octets is reported once and skipped", () => {
    const reader = new LineReader();
    expect(reader.push(Buffer.from("US"))).toEqual([]);
    expect(reader.push(Buffer.from("ER a@b.c\r\nNOOP\nST"))).toEqual([
      { kind: "line", text: "USER a@b.c" },
      { kind: "line", text: "NOOP" },
    ]);
    expect(reader.push(Buffer.from("AT\r\n"))).toEqual([{ kind: "line", text: "STAT" }]);
    // 510 octets and CRLF is exactly the limit.
    expect(reader.push(Buffer.from(`${"a".repeat(510)}\r\n`))).toEqual([{ kind: "line", text: "a".repeat(510) }]);
    expect(reader.push(Buffer.from("b".repeat(511)))).toEqual([]);
    expect(reader.push(Buffer.from("b\r\n"))).toEqual([{ kind: "too-long" }]);
    expect(reader.push(Buffer.from(`${"c".repeat(2000)}`))).toEqual([{ kind: "too-long" }]);
    expect(reader.push(Buffer.from(`${"c".repeat(2000)}\r\nQUIT\r\n`))).toEqual([{ kind: "line", text: "QUIT" }]);
  });

  it("parses keywords case-insensitively; PASS keeps spaces; arguments over 255 octets are refused", () => {
    expect(parseCommand("retr 1")).toEqual({ keyword: "RETR", args: ["1"], rest: "1" });
    expect(parseCommand("PASS pass with spaces ")).toMatchObject({ keyword: "PASS", rest: "pass with spaces " });
    expect(parseCommand("TOOLONG x")).toEqual({ error: "Unknown command" });
    expect(parseCommand("")).toEqual({ error: "Unknown command" });
    expect(parseCommand(`USER ${"u".repeat(256)}`)).toEqual({ error: "Argument too long (at most 255 octets)" });
  });

  it("decodes SASL PLAIN responses and refuses malformed ones", () => {
    const encode = (s: string) => Buffer.from(s).toString("base64");
    expect(decodePlainResponse(encode("\0a@b.c\0pw"))).toEqual({ username: "a@b.c", password: "pw" });
    expect(decodePlainResponse(encode("A@b.c\0a@b.c\0pw"))).toEqual({ username: "a@b.c", password: "pw" });
    expect(decodePlainResponse(encode("x@b.c\0a@b.c\0pw"))).toEqual({ error: "Acting as another identity is not supported" });
    expect(decodePlainResponse(encode("a@b.c\0pw"))).toEqual({ error: "Malformed PLAIN response" });
    expect(decodePlainResponse("=")).toEqual({ error: "Malformed PLAIN response" });
    expect(decodePlainResponse("abc")).toEqual({ error: "Invalid base64 in the authentication response" });
  });
});

describe("POP3 multi-line responses", () => {
  const message = "Subject: s\r\n.X: y\r\n\r\n.one\r\ntwo\r\n..three\nfour\r\n.";

  it("byte-stuffs every line that starts with a dot, whatever the chunk edges, and terminates", async () => {
    const expected = "Subject: s\r\n..X: y\r\n\r\n..one\r\ntwo\r\n...three\nfour\r\n..\r\n.\r\n";
    for (const size of [1, 2, 3, 5, 7, 64])
      expect(await collect(dotStuffed(inChunks(message, size))), `size ${size}`).toBe(expected);
    expect(await collect(dotStuffed(inChunks("", 4)))).toBe(".\r\n");
    expect(await collect(dotStuffed(inChunks("a\r\n", 4)))).toBe("a\r\n.\r\n");
  });

  it("TOP takes the header, the blank line and n body lines, whatever the chunk edges", async () => {
    for (const size of [1, 2, 3, 5, 64]) {
      expect(await collect(topOf(inChunks(message, size), 0)), `0 lines, size ${size}`).toBe("Subject: s\r\n.X: y\r\n\r\n");
      expect(await collect(topOf(inChunks(message, size), 2)), `2 lines, size ${size}`).toBe(
        "Subject: s\r\n.X: y\r\n\r\n.one\r\ntwo\r\n",
      );
      expect(await collect(topOf(inChunks(message, size), 99)), `all, size ${size}`).toBe(message);
    }
    expect(await collect(topOf(inChunks("A: b\r\nC: d\r\n", 3), 5))).toBe("A: b\r\nC: d\r\n");
  });

  it("listings end with the terminating line; an empty listing is just that", async () => {
    expect(await collect(listingLines(["1 10", "2 20"]))).toBe("1 10\r\n2 20\r\n.\r\n");
    expect(await collect(listingLines([]))).toBe(".\r\n");
  });
});
