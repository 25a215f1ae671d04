import { describe, expect, it } from "vitest";
import type { Section } from "../../src/imap/command-types.js";
import { parseMimeStructure } from "../../src/imap/mime-structure.js";
import { applyPartial, findPart, sectionBytes } from "../../src/imap/section-content.js";
import { nestedMessage } from "./message-fixtures.js";

const raw = nestedMessage;
const tree = parseMimeStructure(raw);
const at = (needle: string, from = 0) => raw.indexOf(needle, from);
const section = (part: number[], text: Section["text"] = null, fields: string[] = []): Section => ({ part, text, fields });
const bytes = (s: Section) => sectionBytes(raw, tree, s)?.toString("latin1") ?? null;

describe("MIME tree offsets", () => {
  it("places every part's header and body in the raw message", () => {
    expect(tree).toMatchObject({ headerStart: 0, bodyStart: at("--outer\r\n"), end: raw.length });
    const [text, message] = tree.children;
    expect(text).toMatchObject({
      headerStart: at("Content-Type: text/plain; charset"),
      bodyStart: at("first part"),
      end: at("\r\n--outer\r\nContent-Type: message"),
    });
    expect(text?.contentType).toEqual({ type: "text", subtype: "plain", params: [["charset", "utf-8"]] });
    expect(message).toMatchObject({
      headerStart: at("Content-Type: message/rfc822"),
      bodyStart: at("From: Inner"),
      end: at("\r\n--outer--"),
    });
    const inner = message!.message!;
    expect(inner).toMatchObject({ headerStart: at("From: Inner"), bodyStart: at("--in ner\r\n"), end: at("\r\n--outer--") });
    const [plain, html] = inner.children;
    expect(plain).toMatchObject({ bodyStart: at("plain body"), end: at("\r\n--in ner\r\nContent-Type: text/html"), lines: 1 });
    expect(html).toMatchObject({ bodyStart: at("<p>html</p>"), end: at("\r\n--in ner--"), language: ["en", "de"] });
  });

  it("resolves section part numbers through message/rfc822", () => {
    expect(findPart(tree, [2])).toBe(tree.children[1]);
    expect(findPart(tree, [2, 1])).toBe(tree.children[1]!.message!.children[0]);
    expect(findPart(tree, [2, 2])).toBe(tree.children[1]!.message!.children[1]);
    expect(findPart(tree, [3])).toBeNull();
    expect(findPart(tree, [1, 1])).toBeNull();
    expect(findPart(tree, [2, 3])).toBeNull();
  });

  it("returns the bytes of each kind of section", () => {
    expect(bytes(section([]))).toBe(raw.toString("latin1"));
    expect(bytes(section([], "HEADER"))).toBe(raw.subarray(0, at("--outer\r\n")).toString("latin1"));
    expect(bytes(section([1]))).toBe("first part");
    expect(bytes(section([1], "MIME"))).toBe("Content-Type: text/plain; charset=utf-8\r\n\r\n");
    expect(bytes(section([2], "MIME"))).toBe(
      'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="fwd.eml"\r\n\r\n',
    );
    expect(bytes(section([2], "HEADER"))).toBe(raw.subarray(at("From: Inner"), at("--in ner\r\n")).toString("latin1"));
    expect(bytes(section([2], "TEXT"))).toBe(raw.subarray(at("--in ner\r\n"), at("\r\n--outer--")).toString("latin1"));
    expect(bytes(section([2, 2]))).toBe("<p>html</p>");
    expect(bytes(section([2, 2], "MIME"))).toBe("Content-Type: text/html\r\nContent-Language: en, de\r\n\r\n");
    expect(bytes(section([1], "HEADER"))).toBeNull();
    expect(bytes(section([9]))).toBeNull();
  });

  it("filters header fields, keeping folding and ending with the blank line", () => {
    const folded = Buffer.from("Subject: one\r\n two\r\nFrom: a@b\r\nX-Other: y\r\n\r\nbody");
    const folder = parseMimeStructure(folded);
    expect(sectionBytes(folded, folder, section([], "HEADER.FIELDS", ["SUBJECT", "TO"]))?.toString()).toBe(
      "Subject: one\r\n two\r\n\r\n",
    );
    expect(sectionBytes(folded, folder, section([], "HEADER.FIELDS.NOT", ["SUBJECT"]))?.toString()).toBe(
      "From: a@b\r\nX-Other: y\r\n\r\n",
    );
    expect(sectionBytes(folded, folder, section([], "HEADER.FIELDS", ["CC"]))?.toString()).toBe("\r\n");
    expect(bytes(section([2], "HEADER.FIELDS", ["SUBJECT"]))).toBe("Subject: inner\r\n\r\n");
  });

  it("treats a single-part message's body as part 1", () => {
    const single = Buffer.from("Subject: s\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld\r\n");
    const root = parseMimeStructure(single);
    expect(findPart(root, [1])).toBe(root);
    expect(sectionBytes(single, root, section([1]))?.toString()).toBe("hello\r\nworld\r\n");
    expect(sectionBytes(single, root, section([1], "MIME"))?.toString()).toBe("Subject: s\r\nContent-Type: text/plain\r\n\r\n");
    expect(root.lines).toBe(2);
    expect(findPart(root, [2])).toBeNull();
  });

  it("applies partial ranges", () => {
    const body = Buffer.from("0123456789");
    expect(applyPartial(body, { offset: 2, length: 3 }).toString()).toBe("234");
    expect(applyPartial(body, { offset: 8, length: 10 }).toString()).toBe("89");
    expect(applyPartial(body, { offset: 20, length: 1 }).toString()).toBe("");
    expect(applyPartial(body, null)).toBe(body);
  });
});

describe("malformed MIME degrades instead of failing", () => {
  const parse = (text: string) => parseMimeStructure(Buffer.from(text));

  it("a multipart without a boundary is text/plain", () => {
    const part = parse("Content-Type: multipart/mixed\r\n\r\nhello\r\n");
    expect(part.contentType.type).toBe("text");
    expect(part.children).toEqual([]);
  });

  it("a multipart whose boundary never appears is text/plain", () => {
    expect(parse("Content-Type: multipart/mixed; boundary=zz\r\n\r\nhello\r\n").contentType.subtype).toBe("plain");
  });

  it("a missing close delimiter ends the last part at the end of the message", () => {
    const message = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n";
    const part = parse(message);
    expect(part.children.map((c) => message.slice(c.bodyStart, c.end))).toEqual(["one", "two\r\n"]);
  });

  it("an unreadable Content-Type is text/plain; a message without a blank line is all header", () => {
    expect(parse("Content-Type: garbage\r\n\r\nx").contentType).toMatchObject({ type: "text", subtype: "plain" });
    expect(parse("Content-Type: a/b/c\r\n\r\nx").contentType).toMatchObject({ type: "text", subtype: "plain" });
    const headerOnly = parse("Subject: x\r\nFrom: y");
    expect(headerOnly).toMatchObject({ bodyStart: 19, end: 19 });
    expect(parse("")).toMatchObject({ bodyStart: 0, end: 0, lines: 0 });
  });

  it("a base64-encoded message/rfc822 is not parsed as a message", () => {
    const part = parse("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogeA==\r\n");
    expect(part.message).toBeNull();
    expect(part.contentType).toMatchObject({ type: "application", subtype: "octet-stream" });
  });

  it("bounds nesting depth and part count", () => {
    let message = "body\r\n";
    for (let i = 0; i < 200; i++)
      message = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${message}\r\n--b${i}--\r\n`;
    let depth = 0;
    for (let part = parse(message); part.children.length > 0; part = part.children[0]!) depth++;
    expect(depth).toBe(32);
    const many = `Content-Type: multipart/mixed; boundary=m\r\n\r\n${"--m\r\n\r\nx\r\n".repeat(100)}--m--\r\n`;
    expect(parseMimeStructure(Buffer.from(many), { maxParts: 10 }).children).toHaveLength(9);
  });
});
