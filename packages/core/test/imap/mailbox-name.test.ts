import { describe, expect, it } from "vitest";
import { decodeMailboxName, encodeMailboxName, mailboxNameProblem, normalizeMailboxName } from "../../src/imap/mailbox-name.js";
import { joinListReference, listPatternMatcher } from "../../src/imap/mailbox-pattern.js";

describe("mailbox names (modified UTF-7)", () => {
  it.each([
    ["Entwürfe", "Entw&APw-rfe"],
    ["台北", "&U,BTFw-"],
    ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"],
    ["A&B", "A&-B"],
    ["&", "&-"],
    ["INBOX", "INBOX"],
    ["😀", "&2D3eAA-"],
    ["a\u0000b", "a&AAA-b"],
    ["", ""],
  ])("%s ↔ %s", (name, wire) => {
    expect(encodeMailboxName(name)).toBe(wire);
    expect(decodeMailboxName(wire)).toBe(name);
  });

  it.each([
    ["Entw&APw", "no closing dash"],
    ["&AGE-", "printable ASCII shifted"],
    ["&APw", "unterminated"],
    ["&A/w-", "standard base64 slash"],
    ["&APx-", "non-zero padding bits"],
    ["&AP-", "half a code unit"],
    ["&2D0-", "lone high surrogate"],
    ["Entwürfe", "raw 8-bit"],
    ["a\tb", "control character"],
  ])("refuses %j (%s)", (wire) => {
    expect(decodeMailboxName(wire)).toBeNull();
  });

  it("treats INBOX case-insensitively and nothing else", () => {
    expect(normalizeMailboxName("iNbOx")).toBe("INBOX");
    expect(normalizeMailboxName("Inbox/Sub")).toBe("Inbox/Sub");
  });

  it.each([
    ["", "Mailbox name is empty"],
    ["a//b", "Mailbox name has an empty hierarchy level"],
    ["/a", "Mailbox name has an empty hierarchy level"],
    ["a*", "Mailbox name contains a LIST wildcard"],
    ["a\nb", "Mailbox name contains a control character"],
    ["x".repeat(1025), "Mailbox name is too long"],
    ["Work/Projects", null],
  ])("validates %j", (name, problem) => {
    expect(mailboxNameProblem(name)).toBe(problem);
  });
});

describe("LIST patterns", () => {
  it.each([
    ["*", "a/b/c", true],
    ["%", "a/b", false],
    ["%", "a", true],
    ["a/%", "a/b", true],
    ["a/%", "a/b/c", false],
    ["a/*", "a/b/c", true],
    ["*c", "a/b/c", true],
    ["a%c", "abc", true],
    ["a%c", "a/c", false],
    ["INBOX", "INBOX", true],
    ["", "INBOX", false],
  ])("%s on %s → %s", (pattern, name, expected) => {
    expect(listPatternMatcher(pattern, "/")(name)).toBe(expected);
  });

  it("stays linear on a hostile pattern", () => {
    const matcher = listPatternMatcher(`${"%*".repeat(500)}x`, "/");
    expect(matcher("a".repeat(5000))).toBe(false);
  });

  it("joins the reference", () => {
    expect(joinListReference("Work/", "%", "/")).toBe("Work/%");
    expect(joinListReference("Work/", "/abs", "/")).toBe("/abs");
  });
});
