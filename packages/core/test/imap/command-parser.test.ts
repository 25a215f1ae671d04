import { describe, expect, it } from "vitest";
import { isIdleDone, parseCommand } from "../../src/imap/command-parser.js";
import { parseErrorResponse } from "../../src/imap/response-writer.js";
import { frame, parse } from "./parse-helper.js";

function command(text: string) {
  const result = parse(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message}`);
  return result.command;
}

const all = [{ start: 1, end: "*" }];

describe("command parser: every command", () => {
  it.each([
    ["a CAPABILITY", { tag: "a", name: "CAPABILITY" }],
    ["a noop", { tag: "a", name: "NOOP" }],
    ["a LOGOUT", { tag: "a", name: "LOGOUT" }],
    ["a STARTTLS", { tag: "a", name: "STARTTLS" }],
    ["a CHECK", { tag: "a", name: "CHECK" }],
    ["a CLOSE", { tag: "a", name: "CLOSE" }],
    ["a IDLE", { tag: "a", name: "IDLE" }],
    ["a NAMESPACE", { tag: "a", name: "NAMESPACE" }],
    ["a UNSELECT", { tag: "a", name: "UNSELECT" }],
    ["a EXPUNGE", { tag: "a", name: "EXPUNGE", uids: null }],
    ["a AUTHENTICATE PLAIN", { name: "AUTHENTICATE", mechanism: "PLAIN", initialResponse: null }],
    ["a AUTHENTICATE plain AGJvYgBzZWNyZXQ=", { name: "AUTHENTICATE", mechanism: "PLAIN", initialResponse: "AGJvYgBzZWNyZXQ=" }],
    ["a AUTHENTICATE PLAIN =", { name: "AUTHENTICATE", initialResponse: "=" }],
    ["a LOGIN bob secret", { name: "LOGIN", username: "bob", password: "secret" }],
    ['a LOGIN "b\\"ob" "s e\\\\c"', { name: "LOGIN", username: 'b"ob', password: "s e\\c" }],
    ["a LOGIN {3}\r\nbob {4}\r\npa s", { name: "LOGIN", username: "bob", password: "pa s" }],
    ["a LOGIN {3+}\r\nbob ]x]", { name: "LOGIN", username: "bob", password: "]x]" }],
    ["a SELECT inbox", { name: "SELECT", mailbox: "INBOX", condstore: false }],
    ["a SELECT Sent (CONDSTORE)", { name: "SELECT", mailbox: "Sent", condstore: true }],
    ['a EXAMINE "Entw&APw-rfe"', { name: "EXAMINE", mailbox: "Entwürfe" }],
    ["a CREATE Work/Projects", { name: "CREATE", mailbox: "Work/Projects" }],
    ["a DELETE Trash", { name: "DELETE", mailbox: "Trash" }],
    ["a SUBSCRIBE News", { name: "SUBSCRIBE", mailbox: "News" }],
    ["a UNSUBSCRIBE News", { name: "UNSUBSCRIBE", mailbox: "News" }],
    ["a RENAME Old New", { name: "RENAME", from: "Old", to: "New" }],
    ['a LIST "" *', { name: "LIST", reference: "", patterns: ["*"], selectionOptions: [], returnOptions: [] }],
    ["a LIST ~/Mail/ %/x*", { name: "LIST", reference: "~/Mail/", patterns: ["%/x*"] }],
    [
      'a LIST (special-use) "" ("*" Sent) RETURN (CHILDREN SPECIAL-USE)',
      { name: "LIST", selectionOptions: ["SPECIAL-USE"], patterns: ["*", "Sent"], returnOptions: ["CHILDREN", "SPECIAL-USE"] },
    ],
    ['a LSUB "" %', { name: "LSUB", reference: "", pattern: "%" }],
    [
      "a STATUS INBOX (MESSAGES uidnext UIDVALIDITY UNSEEN RECENT HIGHESTMODSEQ)",
      { name: "STATUS", mailbox: "INBOX", items: ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "RECENT", "HIGHESTMODSEQ"] },
    ],
    ["a COPY 1:3 Archive", { name: "COPY", uid: false, sequenceSet: [{ start: 1, end: 3 }], mailbox: "Archive" }],
    [
      "a MOVE 2,4:* Trash",
      {
        name: "MOVE",
        uid: false,
        sequenceSet: [
          { start: 2, end: 2 },
          { start: 4, end: "*" },
        ],
      },
    ],
    ["a UID COPY 10:20 Archive", { name: "COPY", uid: true, sequenceSet: [{ start: 10, end: 20 }] }],
    ["a UID MOVE * Trash", { name: "MOVE", uid: true, sequenceSet: [{ start: "*", end: "*" }] }],
    ["a UID EXPUNGE 3:5", { name: "EXPUNGE", uids: [{ start: 3, end: 5 }] }],
    ["a ID NIL", { name: "ID", parameters: null }],
    [
      'a ID ("name" "Mail" "version" NIL)',
      {
        name: "ID",
        parameters: [
          ["name", "Mail"],
          ["version", null],
        ],
      },
    ],
    ["a ENABLE CONDSTORE utf8=accept", { name: "ENABLE", capabilities: ["CONDSTORE", "UTF8=ACCEPT"] }],
  ])("%s", (text, expected) => {
    expect(command(text)).toMatchObject(expected);
  });

  it("APPEND with flags, date-time and a literal", () => {
    const result = command('a APPEND Drafts (\\Seen $Label) " 7-Feb-1994 21:52:25 -0800" {5}\r\nhello');
    expect(result).toEqual({
      tag: "a",
      name: "APPEND",
      mailbox: "Drafts",
      flags: ["\\Seen", "$Label"],
      internalDate: new Date("1994-02-08T05:52:25Z"),
      message: Buffer.from("hello"),
      binary: false,
    });
  });

  it("APPEND with only a literal8", () => {
    expect(command("a APPEND INBOX ~{3+}\r\n\0ab")).toMatchObject({
      flags: [],
      internalDate: null,
      binary: true,
      message: Buffer.from("\0ab"),
    });
  });

  it("FETCH macros expand", () => {
    expect(command("a FETCH 1 ALL")).toMatchObject({
      items: [{ kind: "FLAGS" }, { kind: "INTERNALDATE" }, { kind: "RFC822.SIZE" }, { kind: "ENVELOPE" }],
    });
    expect(command("a FETCH 1 fast")).toMatchObject({
      items: [{ kind: "FLAGS" }, { kind: "INTERNALDATE" }, { kind: "RFC822.SIZE" }],
    });
    expect(command("a FETCH 1 FULL")).toMatchObject({ items: [{}, {}, {}, { kind: "ENVELOPE" }, { kind: "BODY" }] });
  });

  it("FETCH items, sections and partials", () => {
    const result = command(
      "a UID FETCH 1:* (FLAGS UID RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT INTERNALDATE ENVELOPE BODY BODYSTRUCTURE MODSEQ " +
        'BODY[] BODY.PEEK[HEADER] BODY[1.2.MIME] BODY[2.TEXT]<0.1024> body.peek[header.fields (From To "X-Y")] BODY[HEADER.FIELDS.NOT (Received)] BODY[3]) (CHANGEDSINCE 12345)',
    );
    expect(result).toMatchObject({ name: "FETCH", uid: true, sequenceSet: all, changedSince: 12345n });
    const items = result.name === "FETCH" ? result.items : [];
    expect(items.slice(0, 11).map((i) => i.kind)).toEqual([
      "FLAGS",
      "UID",
      "RFC822",
      "RFC822.HEADER",
      "RFC822.SIZE",
      "RFC822.TEXT",
      "INTERNALDATE",
      "ENVELOPE",
      "BODY",
      "BODYSTRUCTURE",
      "MODSEQ",
    ]);
    expect(items.slice(11)).toEqual([
      { kind: "BODY[]", peek: false, section: { part: [], text: null, fields: [] }, partial: null },
      { kind: "BODY[]", peek: true, section: { part: [], text: "HEADER", fields: [] }, partial: null },
      { kind: "BODY[]", peek: false, section: { part: [1, 2], text: "MIME", fields: [] }, partial: null },
      { kind: "BODY[]", peek: false, section: { part: [2], text: "TEXT", fields: [] }, partial: { offset: 0, length: 1024 } },
      { kind: "BODY[]", peek: true, section: { part: [], text: "HEADER.FIELDS", fields: ["FROM", "TO", "X-Y"] }, partial: null },
      { kind: "BODY[]", peek: false, section: { part: [], text: "HEADER.FIELDS.NOT", fields: ["RECEIVED"] }, partial: null },
      { kind: "BODY[]", peek: false, section: { part: [3], text: null, fields: [] }, partial: null },
    ]);
  });

  it("STORE forms", () => {
    expect(command("a STORE 2:4 +FLAGS (\\Deleted)")).toMatchObject({
      action: "add",
      silent: false,
      flags: ["\\Deleted"],
      uid: false,
    });
    expect(command("a STORE 1 -flags.silent \\Seen $Junk")).toMatchObject({
      action: "remove",
      silent: true,
      flags: ["\\Seen", "$Junk"],
    });
    expect(command("a STORE 1 FLAGS (\\SEEN \\answered \\X-Custom $label)")).toMatchObject({
      flags: ["\\Seen", "\\Answered", "\\X-Custom", "$label"],
    });
    expect(command("a UID STORE 5 FLAGS ()")).toMatchObject({ action: "set", flags: [], uid: true, unchangedSince: null });
    expect(command("a STORE 1 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)")).toMatchObject({
      unchangedSince: 320162338n,
      silent: true,
    });
  });

  it("IDLE's DONE is recognised case-insensitively", () => {
    expect(isIdleDone(frame("done"))).toBe(true);
    expect(isIdleDone(frame("a DONE"))).toBe(false);
  });
});

describe("command parser: malformed commands answer BAD with the tag when known", () => {
  it.each([
    ["", "* BAD Empty command"],
    ["* NOOP", "* BAD Missing or invalid tag"],
    ["+a NOOP", "* BAD Missing or invalid tag"],
    ["a", "a BAD Expected a space"],
    ["a FROB", "a BAD Unknown command FROB"],
    ["a NOOP extra", "a BAD Unexpected extra arguments"],
    ["a LOGIN bob", "a BAD Expected a space"],
    ['a LOGIN "bob secret', "a BAD Unterminated quoted string"],
    ['a LOGIN "b\\x" y', "a BAD Invalid escape in quoted string"],
    ["a LOGIN bøb secret", "a BAD 8-bit character in an atom"],
    ["a SELECT {abc}", "a BAD Invalid literal size"],
    ["a SELECT &Jjo", "a BAD Mailbox name is not valid modified UTF-7"],
    ["a SELECT &AGE-", "a BAD Mailbox name is not valid modified UTF-7"],
    ["a SELECT INBOX (QRESYNC)", "a BAD Unknown select parameter QRESYNC"],
    ["a STATUS INBOX (MESSAGES", "a BAD Expected )"],
    ["a STATUS INBOX MESSAGES)", "a BAD Expected ("],
    ["a STATUS INBOX ()", "a BAD Empty list"],
    ["a STATUS INBOX (SIZE)", "a BAD Unknown status item SIZE"],
    ["a APPEND INBOX (\\Seen {3}\r\nabc", "a BAD Expected a flag"],
    ['a APPEND INBOX "31-Feb-2024 00:00:00 +0000" {1}\r\nx', "a BAD Invalid date-time 31-Feb-2024 00:00:00 +0000"],
    ['a APPEND INBOX "1-Feb-2024 00:00:00 +0000" {1}\r\nx', "a BAD Invalid date-time 1-Feb-2024 00:00:00 +0000"],
    ["a APPEND INBOX", "a BAD Expected a space"],
    ["a APPEND INBOX hello", "a BAD Expected a literal"],
    ["a LOGIN ~{3}\r\nabc x", "a BAD literal8 is not allowed here"],
    ["a FETCH 0 FLAGS", "a BAD Invalid sequence set 0"],
    ["a FETCH 1: FLAGS", "a BAD Invalid sequence set 1:"],
    ["a FETCH 1:2:3 FLAGS", "a BAD Invalid sequence range 1:2:3"],
    ["a FETCH 4294967296 FLAGS", "a BAD Invalid sequence set 4294967296"],
    ["a FETCH 1,,2 FLAGS", "a BAD Invalid sequence set 1,,2"],
    ["a FETCH 1 (FLAGS", "a BAD Expected )"],
    ["a FETCH 1 FLAGS)", "a BAD Unexpected extra arguments"],
    ["a FETCH 1 (FLAGS BOGUS)", "a BAD Unknown FETCH item BOGUS"],
    ["a FETCH 1 BODY[0]", "a BAD Invalid section part number"],
    ["a FETCH 1 BODY[MIME]", "a BAD MIME needs a part number"],
    ["a FETCH 1 BODY[1.FOO]", "a BAD Invalid section 1.FOO"],
    ["a FETCH 1 BODY[HEADER.FIELDS]", "a BAD Expected a space"],
    ["a FETCH 1 BODY[TEXT", "a BAD Expected ]"],
    ["a FETCH 1 BODY[]<5>", "a BAD Expected ."],
    ["a FETCH 1 BODY[]<5.0>", "a BAD Expected a partial length"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE x)", "a BAD Expected a mod-sequence value"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)", "a BAD Expected a mod-sequence value"],
    ["a STORE 1 FLAGZ (\\Seen)", "a BAD Unknown STORE item FLAGZ"],
    ["a STORE 1 +FLAGS (\\Seen", "a BAD Expected )"],
    ["a UID FROB 1", "a BAD Unknown UID command FROB"],
    ["a UID EXPUNGE", "a BAD Expected a space"],
    ["a ENABLE", "a BAD ENABLE needs a capability"],
    ['a ID ("a")', "a BAD Expected a space"],
    [`a ID (${Array.from({ length: 31 }, (_, i) => `"k${i}" "v"`).join(" ")})`, "a BAD Too many ID parameters"],
    ['a LIST "" * RETURN', "a BAD Expected a space"],
    ['a LIST "" * FOO ()', "a BAD Expected RETURN"],
  ])("%j", (text, response) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(parseErrorResponse(result.error)).toBe(`${response}\r\n`);
  });

  it("reports a literal that is shorter than announced in a hand-built frame", () => {
    const result = parseCommand({
      lines: [Buffer.from("a LOGIN {5}"), Buffer.from(" x")],
      literals: [{ data: Buffer.from("abc"), binary: false }],
    });
    expect(result.ok ? null : result.error.message).toBe("Literal shorter than announced");
  });

  it("reports a literal marker in the middle of a line", () => {
    const result = parseCommand({ lines: [Buffer.from("a LOGIN {3}x y")], literals: [] });
    expect(result.ok ? null : result.error.message).toBe("A literal must end its line");
  });
});
