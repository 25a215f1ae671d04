import { describe, expect, it } from "vitest";
import { bodyStructure } from "../../src/imap/body-structure.js";
import { envelope } from "../../src/imap/envelope.js";
import { fetchResponse } from "../../src/imap/fetch-response.js";
import { formatImapDateTime } from "../../src/imap/imap-date.js";
import { atom, writeValue } from "../../src/imap/imap-value.js";
import { parseHeaderBlock } from "../../src/imap/message-header.js";
import { parseMimeStructure } from "../../src/imap/mime-structure.js";
import { nestedMessage, rfcExampleMessage, rfcExampleMultipart } from "./message-fixtures.js";

const text = (value: Parameters<typeof writeValue>[0]) => writeValue(value).toString("utf8");

describe("ENVELOPE and BODY against RFC 3501 7.4.2", () => {
  it("writes the example FETCH response byte for byte", () => {
    const raw = rfcExampleMessage();
    const tree = parseMimeStructure(raw);
    const response = fetchResponse(12, [
      { name: "FLAGS", value: [atom("\\Seen")] },
      { name: "INTERNALDATE", value: atom(formatImapDateTime(new Date("1996-07-17T09:44:25Z"), -420)) },
      { name: "RFC822.SIZE", value: raw.length },
      { name: "ENVELOPE", value: envelope(tree.headers) },
      { name: "BODY", value: bodyStructure(tree, false) },
    ]);
    expect(response.toString()).toBe(
      '* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n',
    );
  });

  it("writes the example multipart BODYSTRUCTURE, and adds extension data when extended", () => {
    const tree = parseMimeStructure(rfcExampleMultipart());
    expect(text(bodyStructure(tree, false))).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")',
    );
    expect(text(bodyStructure(tree, true))).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "xyz") NIL NIL NIL)',
    );
  });
});

describe("ENVELOPE details", () => {
  const headers = (lines: string[]) => parseHeaderBlock(Buffer.from(`${lines.join("\r\n")}\r\n\r\n`));

  it("writes NIL for absent fields and explicit sender and reply-to when present", () => {
    const value = envelope(
      headers([
        "From: a@x.org",
        "Sender: s@x.org",
        "Reply-To: r@x.org",
        "Bcc: b@x.org",
        "In-Reply-To: <p@x>",
        "Subject: =?utf-8?q?caf=C3=A9?=",
      ]),
    );
    expect(text(value)).toBe(
      '(NIL "=?utf-8?q?caf=C3=A9?=" ((NIL NIL "a" "x.org")) ((NIL NIL "s" "x.org")) ((NIL NIL "r" "x.org")) NIL NIL ((NIL NIL "b" "x.org")) "<p@x>" NIL)',
    );
  });

  it("writes groups with start and end markers, and unfolds folded fields", () => {
    const value = envelope(headers(["To: Team: a@x.org,", ' "Q, R" <q@r.s>;, solo@x.org', "Subject: two", " lines"]));
    expect(text(value)).toBe(
      '(NIL "two lines" NIL NIL NIL ((NIL NIL "Team" NIL)(NIL NIL "a" "x.org")("Q, R" NIL "q" "r.s")(NIL NIL NIL NIL)(NIL NIL "solo" "x.org")) NIL NIL NIL NIL)',
    );
  });

  it("sends a subject with 8-bit or quotes correctly", () => {
    const value = envelope(headers(['Subject: say "hi" \\ to Jörg']));
    expect(writeValue(value).toString("utf8")).toContain('{19}\r\nsay "hi" \\ to Jörg NIL');
    expect(writeValue(value, { utf8: true }).toString("utf8")).toContain('"say \\"hi\\" \\\\ to Jörg"');
  });
});

describe("BODYSTRUCTURE of a nested message", () => {
  it("writes message/rfc822 with its envelope, body and lines, plus disposition and languages", () => {
    const tree = parseMimeStructure(nestedMessage);
    expect(text(bodyStructure(tree, true))).toBe(
      [
        '(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)',
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 275 ',
        '(NIL "inner" (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org")) ((NIL NIL "group" NIL)(NIL NIL "a" "x.org")(NIL NIL "b" "y.org")(NIL NIL NIL NIL)) NIL NIL NIL NIL) ',
        '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)("TEXT" "HTML" NIL NIL NIL "7BIT" 11 1 NIL NIL ("en" "de") NIL) "ALTERNATIVE" ("BOUNDARY" "in ner") NIL NIL NIL) ',
        '15 NIL ("ATTACHMENT" ("FILENAME" "fwd.eml")) NIL NIL) "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
      ].join(""),
    );
  });
});
