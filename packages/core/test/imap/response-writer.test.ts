import { describe, expect, it } from "vitest";
import { astring, atom, writeValue } from "../../src/imap/imap-value.js";
import {
  capabilityResponse,
  continuationRequest,
  enabledResponse,
  existsResponse,
  expungeResponse,
  flagsResponse,
  idResponse,
  listResponse,
  namespaceResponse,
  recentResponse,
  searchResponse,
  statusDataResponse,
  statusResponse,
  type ResponseCode,
} from "../../src/imap/response-writer.js";

describe("status responses", () => {
  it.each<[ResponseCode | undefined, string]>([
    [undefined, "a1 OK done\r\n"],
    [{ name: "UIDVALIDITY", value: 3857529045 }, "a1 OK [UIDVALIDITY 3857529045] done\r\n"],
    [{ name: "UIDNEXT", value: 4392 }, "a1 OK [UIDNEXT 4392] done\r\n"],
    [{ name: "UNSEEN", value: 12 }, "a1 OK [UNSEEN 12] done\r\n"],
    [{ name: "HIGHESTMODSEQ", value: 715194045007n }, "a1 OK [HIGHESTMODSEQ 715194045007] done\r\n"],
    [{ name: "PERMANENTFLAGS", flags: ["\\Deleted", "\\Seen", "\\*"] }, "a1 OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] done\r\n"],
    [{ name: "CAPABILITY", capabilities: ["IMAP4rev1", "IDLE"] }, "a1 OK [CAPABILITY IMAP4rev1 IDLE] done\r\n"],
    [{ name: "APPENDUID", uidValidity: 38505, uids: [3955] }, "a1 OK [APPENDUID 38505 3955] done\r\n"],
    [
      { name: "COPYUID", uidValidity: 38505, source: [304, 319, 320, 321], destination: [3956, 3957, 3958, 3959] },
      "a1 OK [COPYUID 38505 304,319:321 3956:3959] done\r\n",
    ],
    [{ name: "TRYCREATE" }, "a1 OK [TRYCREATE] done\r\n"],
    [{ name: "ALERT" }, "a1 OK [ALERT] done\r\n"],
    [{ name: "READ-ONLY" }, "a1 OK [READ-ONLY] done\r\n"],
    [{ name: "READ-WRITE" }, "a1 OK [READ-WRITE] done\r\n"],
    [{ name: "BADCHARSET", charsets: ["UTF-8", "US-ASCII"] }, 'a1 OK [BADCHARSET ("UTF-8" "US-ASCII")] done\r\n'],
    [{ name: "MODIFIED", numbers: [7, 9, 10] }, "a1 OK [MODIFIED 7,9:10] done\r\n"],
  ])("response code %#", (code, expected) => {
    expect(statusResponse("a1", "OK", "done", code)).toBe(expected);
  });

  it("writes untagged statuses and keeps the text to one safe line", () => {
    expect(statusResponse(null, "PREAUTH", "hi")).toBe("* PREAUTH hi\r\n");
    expect(statusResponse(null, "BYE", "bye\r\na2 OK injected")).toBe("* BYE bye a2 OK injected\r\n");
    expect(statusResponse("t", "NO", "[fake] text")).toBe("t NO  [fake] text\r\n");
    expect(statusResponse("t", "BAD", "")).toBe("t BAD BAD\r\n");
    expect(statusResponse("t", "NO", "Jörg")).toBe("t NO J?rg\r\n");
    expect(continuationRequest()).toBe("+ Ready for literal data\r\n");
    expect(continuationRequest("")).toBe("+ \r\n");
  });
});

describe("untagged data", () => {
  it("writes the simple responses", () => {
    expect(capabilityResponse(["IMAP4rev1", "LITERAL+"])).toBe("* CAPABILITY IMAP4rev1 LITERAL+\r\n");
    expect(enabledResponse([])).toBe("* ENABLED\r\n");
    expect(enabledResponse(["CONDSTORE"])).toBe("* ENABLED CONDSTORE\r\n");
    expect(flagsResponse(["\\Answered", "\\Seen"])).toBe("* FLAGS (\\Answered \\Seen)\r\n");
    expect(existsResponse(172)).toBe("* 172 EXISTS\r\n");
    expect(recentResponse(1)).toBe("* 1 RECENT\r\n");
    expect(expungeResponse(3)).toBe("* 3 EXPUNGE\r\n");
    expect(searchResponse([2, 84, 882])).toBe("* SEARCH 2 84 882\r\n");
    expect(searchResponse([])).toBe("* SEARCH\r\n");
    expect(searchResponse([2], 917162500n)).toBe("* SEARCH 2 (MODSEQ 917162500)\r\n");
  });

  it("writes LIST with modified UTF-7 names, quoting only when needed", () => {
    expect(listResponse("LIST", ["\\HasNoChildren"], "/", "Entwürfe").toString()).toBe(
      '* LIST (\\HasNoChildren) "/" Entw&APw-rfe\r\n',
    );
    expect(listResponse("LIST", ["\\Noselect"], null, "").toString()).toBe('* LIST (\\Noselect) NIL ""\r\n');
    expect(listResponse("LSUB", [], "/", "My Mail").toString()).toBe('* LSUB () "/" "My Mail"\r\n');
    expect(listResponse("LIST", [], "/", "nil").toString()).toBe('* LIST () "/" "nil"\r\n');
  });

  it("writes STATUS, ID and NAMESPACE", () => {
    const status = statusDataResponse("blurdybloop", [
      ["MESSAGES", 231],
      ["UIDNEXT", 44292],
      ["HIGHESTMODSEQ", 7011231777n],
    ]);
    expect(status.toString()).toBe("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n");
    expect(idResponse(null).toString()).toBe("* ID NIL\r\n");
    expect(
      idResponse([
        ["name", "Mailroom"],
        ["version", null],
      ]).toString(),
    ).toBe('* ID ("name" "Mailroom" "version" NIL)\r\n');
    expect(namespaceResponse([["", "/"]], null, null).toString()).toBe('* NAMESPACE (("" "/")) NIL NIL\r\n');
  });
});

describe("values", () => {
  it("picks atom, quoted string or literal", () => {
    expect(writeValue(astring("INBOX")).toString()).toBe("INBOX");
    expect(writeValue(astring("a b")).toString()).toBe('"a b"');
    expect(writeValue(astring("NIL")).toString()).toBe('"NIL"');
    expect(writeValue(astring("")).toString()).toBe('""');
    expect(writeValue('a"b\\c').toString()).toBe('"a\\"b\\\\c"');
    expect(writeValue("two\r\nlines").toString()).toBe("{10}\r\ntwo\r\nlines");
    expect(writeValue("ü").toString()).toBe("{2}\r\nü");
    expect(writeValue("ü", { utf8: true }).toString()).toBe('"ü"');
    expect(writeValue("x".repeat(1025)).toString().startsWith("{1025}\r\n")).toBe(true);
    expect(writeValue(Buffer.from([0x61, 0x00])).toString("latin1")).toBe("{2}\r\na\0");
    expect(writeValue([null, 1, 2n, atom("\\Seen"), [], "s"]).toString()).toBe('(NIL 1 2 \\Seen () "s")');
  });
});
