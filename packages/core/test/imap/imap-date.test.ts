import { describe, expect, it } from "vitest";
import { formatImapDateTime, imapDateToUtc, parseImapDate, parseImapDateTime } from "../../src/imap/imap-date.js";

describe("IMAP dates", () => {
  it.each([
    ["1-Feb-1994", { year: 1994, month: 2, day: 1 }],
    ["01-feb-1994", { year: 1994, month: 2, day: 1 }],
    ["29-Feb-2024", { year: 2024, month: 2, day: 29 }],
    ["29-Feb-2023", null],
    ["32-Jan-2024", null],
    ["0-Jan-2024", null],
    ["1-Feb-94", null],
    ["1 Feb 1994", null],
  ])("date %j", (text, expected) => {
    expect(parseImapDate(text)).toEqual(expected);
  });

  it("reads date-time with its zone", () => {
    expect(parseImapDateTime("17-Jul-1996 02:44:25 -0700")?.toISOString()).toBe("1996-07-17T09:44:25.000Z");
    expect(parseImapDateTime(" 7-Feb-1994 21:52:25 +0100")?.toISOString()).toBe("1994-02-07T20:52:25.000Z");
    expect(parseImapDateTime("7-Feb-1994 21:52:25 +0100")).toBeNull();
    expect(parseImapDateTime("17-Jul-1996 24:00:00 +0000")).toBeNull();
    expect(parseImapDateTime("17-Jul-1996 02:44:25 0700")).toBeNull();
  });

  it("writes date-time as INTERNALDATE", () => {
    const date = new Date("1996-07-17T09:44:25Z");
    expect(formatImapDateTime(date, -420)).toBe('"17-Jul-1996 02:44:25 -0700"');
    expect(formatImapDateTime(new Date("2024-03-05T01:02:03Z"))).toBe('" 5-Mar-2024 01:02:03 +0000"');
    expect(imapDateToUtc({ year: 1994, month: 2, day: 1 }).toISOString()).toBe("1994-02-01T00:00:00.000Z");
  });
});
