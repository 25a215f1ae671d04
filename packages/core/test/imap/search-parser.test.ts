import { describe, expect, it } from "vitest";
import { parseErrorResponse } from "../../src/imap/response-writer.js";
import { parse } from "./parse-helper.js";

function criteria(text: string) {
  const result = parse(`s SEARCH ${text}`);
  if (!result.ok) throw new Error(`${text}: ${result.error.message}`);
  if (result.command.name !== "SEARCH") throw new Error("not a SEARCH");
  return result.command;
}

const feb1 = { year: 1994, month: 2, day: 1 };

describe("SEARCH keys", () => {
  it.each([
    ["ALL", { key: "ALL" }],
    ["answered", { key: "ANSWERED" }],
    ["DELETED", { key: "DELETED" }],
    ["DRAFT", { key: "DRAFT" }],
    ["FLAGGED", { key: "FLAGGED" }],
    ["NEW", { key: "NEW" }],
    ["OLD", { key: "OLD" }],
    ["RECENT", { key: "RECENT" }],
    ["SEEN", { key: "SEEN" }],
    ["UNANSWERED", { key: "UNANSWERED" }],
    ["UNDELETED", { key: "UNDELETED" }],
    ["UNDRAFT", { key: "UNDRAFT" }],
    ["UNFLAGGED", { key: "UNFLAGGED" }],
    ["UNSEEN", { key: "UNSEEN" }],
    ["BCC boss", { key: "BCC", value: "boss" }],
    ['BODY "two words"', { key: "BODY", value: "two words" }],
    ["CC {3}\r\nann", { key: "CC", value: "ann" }],
    ["FROM smith", { key: "FROM", value: "smith" }],
    ["SUBJECT hello", { key: "SUBJECT", value: "hello" }],
    ["TEXT x", { key: "TEXT", value: "x" }],
    ["TO y", { key: "TO", value: "y" }],
    ["BEFORE 1-Feb-1994", { key: "BEFORE", date: feb1 }],
    ['ON "1-feb-1994"', { key: "ON", date: feb1 }],
    ["SINCE 01-Feb-1994", { key: "SINCE", date: feb1 }],
    ["SENTBEFORE 1-Feb-1994", { key: "SENTBEFORE", date: feb1 }],
    ["SENTON 1-Feb-1994", { key: "SENTON", date: feb1 }],
    ["SENTSINCE 29-Feb-2024", { key: "SENTSINCE", date: { year: 2024, month: 2, day: 29 } }],
    ["HEADER Message-ID <a@b>", { key: "HEADER", field: "Message-ID", value: "<a@b>" }],
    ['HEADER X-Spam ""', { key: "HEADER", field: "X-Spam", value: "" }],
    ["KEYWORD $Forwarded", { key: "KEYWORD", flag: "$Forwarded" }],
    ["UNKEYWORD Junk", { key: "UNKEYWORD", flag: "Junk" }],
    ["LARGER 1000", { key: "LARGER", size: 1000 }],
    ["SMALLER 5", { key: "SMALLER", size: 5 }],
    ["UID 1:*", { key: "UID", set: [{ start: 1, end: "*" }] }],
    [
      "2,4:7,9",
      {
        key: "SEQUENCE",
        set: [
          { start: 2, end: 2 },
          { start: 4, end: 7 },
          { start: 9, end: 9 },
        ],
      },
    ],
    ["*", { key: "SEQUENCE", set: [{ start: "*", end: "*" }] }],
    ["NOT SEEN", { key: "NOT", operand: { key: "SEEN" } }],
    ["OR SEEN FLAGGED", { key: "OR", left: { key: "SEEN" }, right: { key: "FLAGGED" } }],
    ["(SEEN FROM x)", { key: "AND", operands: [{ key: "SEEN" }, { key: "FROM", value: "x" }] }],
    ["MODSEQ 620162338", { key: "MODSEQ", modseq: 620162338n }],
    ['MODSEQ "/flags/\\\\draft" all 620162338', { key: "MODSEQ", modseq: 620162338n }],
  ])("%s", (text, key) => {
    expect(criteria(text).criteria).toEqual([key]);
  });

  it("ANDs several keys, with CHARSET and nested groups", () => {
    const search = criteria('CHARSET utf-8 OR (FROM "Jörg" SINCE 1-Feb-1994) NOT (DELETED) 1:3');
    expect(search.charset).toBe("UTF-8");
    expect(search.uid).toBe(false);
    expect(search.criteria).toEqual([
      {
        key: "OR",
        left: {
          key: "AND",
          operands: [
            { key: "FROM", value: "Jörg" },
            { key: "SINCE", date: feb1 },
          ],
        },
        right: { key: "NOT", operand: { key: "AND", operands: [{ key: "DELETED" }] } },
      },
      { key: "SEQUENCE", set: [{ start: 1, end: 3 }] },
    ]);
  });

  it("UID SEARCH", () => {
    const result = parse("u UID SEARCH UID 5:9 UNSEEN");
    expect(result.ok && result.command).toMatchObject({ name: "SEARCH", uid: true, charset: null });
  });

  it("nests up to the limit", () => {
    expect(() => criteria(`${"(".repeat(31)}SEEN${")".repeat(31)}`)).not.toThrow();
    expect(() => criteria(`${"NOT ".repeat(31)}SEEN`)).not.toThrow();
  });

  it.each([
    ["", "Expected a space"],
    ["FOO", "Unknown search key FOO"],
    ["FROM", "Expected a space"],
    ["BEFORE 31-Feb-1994", "Invalid date 31-Feb-1994"],
    ["BEFORE 1-Foo-1994", "Invalid date 1-Foo-1994"],
    ["BEFORE 1994-02-01", "Invalid date 1994-02-01"],
    ["BEFORE 1-Feb-94", "Invalid date 1-Feb-94"],
    ["LARGER x", "Expected a size"],
    ["UID 0", "Invalid sequence set 0"],
    ["1:", "Invalid sequence set 1:"],
    ["(SEEN", "Expected )"],
    ["SEEN)", "Unexpected extra arguments"],
    ["()", "Empty list"],
    ["OR SEEN", "Expected a space"],
    ["KEYWORD \\Seen", "Expected a keyword"],
    ["FROM bøb", "8-bit character in an atom"],
    [`${"(".repeat(40)}SEEN${")".repeat(40)}`, "Search criteria nested too deeply"],
    [`${"NOT ".repeat(5000)}SEEN`, "Search criteria nested too deeply"],
    [`${"OR ".repeat(5000)}SEEN`, "Search criteria nested too deeply"],
    ['MODSEQ "/flags/x" sometimes 5', "Invalid MODSEQ entry type"],
  ])("refuses %j", (text, message) => {
    const result = parse(text === "" ? "s SEARCH" : `s SEARCH ${text}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(parseErrorResponse(result.error)).toBe(`s BAD ${message}\r\n`);
  });
});
