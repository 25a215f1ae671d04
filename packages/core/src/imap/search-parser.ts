import type { CommandCursor } from "./command-cursor.js";
import type { FlagSearchKey, SearchKey } from "./command-types.js";
import { parseImapDate, type ImapDate } from "./imap-date.js";

/** Parenthesized groups, NOT and OR nest; deeper than this is refused rather than recursed into. */
export const MAX_SEARCH_DEPTH = 32;

const FLAG_KEYS = new Set<string>([
  "ALL",
  "ANSWERED",
  "DELETED",
  "DRAFT",
  "FLAGGED",
  "NEW",
  "OLD",
  "RECENT",
  "SEEN",
  "UNANSWERED",
  "UNDELETED",
  "UNDRAFT",
  "UNFLAGGED",
  "UNSEEN",
]);
const STRING_KEYS = new Set(["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]);
const DATE_KEYS = new Set(["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"]);
const OTHER_KEYS = new Set(["HEADER", "KEYWORD", "UNKEYWORD", "LARGER", "SMALLER", "NOT", "OR", "UID", "MODSEQ"]);

type StringKey = SearchKey & { value: string; field?: never };
type DateKey = SearchKey & { date: ImapDate };

/** 1*(SP search-key) after SEARCH [CHARSET x]; the keys are ANDed. */
export function parseSearchKeys(cursor: CommandCursor): SearchKey[] {
  const keys: SearchKey[] = [];
  do keys.push(parseSearchKey(cursor, 1));
  while (cursor.trySpace());
  cursor.expectEnd();
  return keys;
}

function parseSearchKey(cursor: CommandCursor, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) cursor.fail("Search criteria nested too deeply");
  const next = cursor.peek();
  if (next === 0x28) return { key: "AND", operands: cursor.parenthesized(() => parseSearchKey(cursor, depth + 1), false) };
  if (next === 0x2a || (next >= 0x30 && next <= 0x39)) return { key: "SEQUENCE", set: cursor.sequenceSet() };
  const name = cursor.atom("a search key").toUpperCase();
  if (FLAG_KEYS.has(name)) return { key: name as FlagSearchKey };
  if (!STRING_KEYS.has(name) && !DATE_KEYS.has(name) && !OTHER_KEYS.has(name)) cursor.fail(`Unknown search key ${name}`);
  cursor.space();
  return parseKeyArgument(cursor, name, depth);
}

function parseKeyArgument(cursor: CommandCursor, name: string, depth: number): SearchKey {
  if (STRING_KEYS.has(name)) return { key: name, value: cursor.astring() } as StringKey;
  if (DATE_KEYS.has(name)) return { key: name, date: searchDate(cursor) } as DateKey;
  switch (name) {
    case "HEADER": {
      const field = cursor.astring();
      cursor.space();
      return { key: "HEADER", field, value: cursor.astring() };
    }
    case "KEYWORD":
    case "UNKEYWORD":
      return { key: name, flag: cursor.atom("a keyword") };
    case "LARGER":
    case "SMALLER":
      return { key: name, size: cursor.number("a size") };
    case "NOT":
      return { key: "NOT", operand: parseSearchKey(cursor, depth + 1) };
    case "OR": {
      const left = parseSearchKey(cursor, depth + 1);
      cursor.space();
      return { key: "OR", left, right: parseSearchKey(cursor, depth + 1) };
    }
    case "UID":
      return { key: "UID", set: cursor.sequenceSet() };
    case "MODSEQ":
      return { key: "MODSEQ", modseq: modSeqCriterion(cursor) };
    default:
      return cursor.fail(`Unknown search key ${name}`);
  }
}

/** date = date-text / DQUOTE date-text DQUOTE */
function searchDate(cursor: CommandCursor): ImapDate {
  const text = cursor.peek() === 0x22 ? cursor.quoted() : cursor.atom("a date");
  return parseImapDate(text) ?? cursor.fail(`Invalid date ${text}`);
}

/** MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer (RFC 7162); the entry is ignored. */
function modSeqCriterion(cursor: CommandCursor): bigint {
  if (cursor.peek() === 0x22) {
    cursor.quoted();
    cursor.space();
    const type = cursor.atom("an entry type").toLowerCase();
    if (type !== "priv" && type !== "shared" && type !== "all") cursor.fail("Invalid MODSEQ entry type");
    cursor.space();
  }
  return cursor.modSeq();
}
