import { describe, expect, it } from "vitest";
import type { FetchItem } from "../../src/imap/command-types.js";
import { fetchItemName, fetchResponse, fetchResponseChunks, type FetchEntry } from "../../src/imap/fetch-response.js";
import { atom } from "../../src/imap/imap-value.js";

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

async function* slowly(parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    await Promise.resolve();
    yield Buffer.from(part);
  }
}

describe("FETCH responses", () => {
  it("names items as the response echoes them", () => {
    const body = (
      peek: boolean,
      part: number[],
      text: null | "HEADER.FIELDS" | "MIME",
      fields: string[] = [],
      partial: { offset: number; length: number } | null = null,
    ): FetchItem => ({
      kind: "BODY[]",
      peek,
      section: { part, text, fields },
      partial,
    });
    expect(fetchItemName({ kind: "RFC822.SIZE" })).toBe("RFC822.SIZE");
    expect(fetchItemName(body(true, [], null))).toBe("BODY[]");
    expect(fetchItemName(body(false, [1, 2], "MIME"))).toBe("BODY[1.2.MIME]");
    expect(fetchItemName(body(false, [], null, [], { offset: 100, length: 10 }))).toBe("BODY[]<100>");
    expect(fetchItemName(body(true, [3], "HEADER.FIELDS", ["FROM", "X Y"]))).toBe('BODY[3.HEADER.FIELDS (FROM "X Y")]');
  });

  it("writes in-memory values in one buffer", () => {
    const response = fetchResponse(23, [
      { name: "UID", value: 4827313 },
      { name: "FLAGS", value: [atom("\\Seen"), atom("$Work")] },
      { name: "MODSEQ", value: [12121231000n] },
    ]);
    expect(response.toString()).toBe("* 23 FETCH (UID 4827313 FLAGS (\\Seen $Work) MODSEQ (12121231000))\r\n");
  });

  it("streams a body literal chunk by chunk after its size", async () => {
    const entries: FetchEntry[] = [
      { name: "UID", value: 7 },
      { name: "BODY[]", value: { size: 11, chunks: slowly(["hello", " ", "world"]) } },
      { name: "FLAGS", value: [atom("\\Seen")] },
    ];
    const chunks = await collect(fetchResponseChunks(1, entries));
    expect(chunks.map((c) => c.toString())).toEqual([
      "* 1 FETCH (UID 7 BODY[] {11}\r\n",
      "hello",
      " ",
      "world",
      " FLAGS (\\Seen))\r\n",
    ]);
  });

  it("streams many messages one at a time", async () => {
    let bytes = 0;
    let lines = 0;
    for (let n = 1; n <= 100_000; n++) {
      for await (const chunk of fetchResponseChunks(n, [{ name: "UID", value: n }])) {
        bytes += chunk.length;
        lines += chunk.toString().endsWith("\r\n") ? 1 : 0;
      }
    }
    expect(lines).toBe(100_000);
    expect(bytes).toBeGreaterThan(100_000 * 20);
  });

  it.each([
    ["shorter", ["abc"]],
    ["longer", ["abcdefgh"]],
  ])("refuses a source that is %s than announced", async (_, parts) => {
    const chunks = fetchResponseChunks(1, [{ name: "BODY[]", value: { size: 5, chunks: parts.map((p) => Buffer.from(p)) } }]);
    await expect(collect(chunks)).rejects.toMatchObject({ code: "INTERNAL_ERROR" });
  });
});
