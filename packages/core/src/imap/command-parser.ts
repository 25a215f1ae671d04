import { CommandCursor } from "./command-cursor.js";
import type { FramedCommand } from "./command-reader.js";
import type { Command, SimpleCommandName, StatusItem, StoreCommand } from "./command-types.js";
import { parseFetchItems, parseFetchModifiers } from "./fetch-parser.js";
import { parseImapDateTime } from "./imap-date.js";
import { decodeMailboxName, normalizeMailboxName } from "./mailbox-name.js";
import { ImapParseError } from "./parse-error.js";
import { parseSearchKeys } from "./search-parser.js";

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ImapParseError };

const SIMPLE_COMMANDS = new Set<string>([
  "CAPABILITY",
  "NOOP",
  "LOGOUT",
  "STARTTLS",
  "CHECK",
  "CLOSE",
  "IDLE",
  "NAMESPACE",
  "UNSELECT",
]);
const STATUS_ITEMS = new Set<string>(["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ"]);
/** RFC 2971: at most 30 field-value pairs. */
const MAX_ID_PAIRS = 30;

type Reader = (cursor: CommandCursor, tag: string, name: string) => Command;

/**
 * Parses one framed command. Never throws: a malformed command comes back as an ImapParseError the
 * server answers with BAD. Command names and keywords are case-insensitive.
 */
export function parseCommand(framed: FramedCommand): ParseResult {
  const cursor: CommandCursor = new CommandCursor(framed);
  try {
    const tag = cursor.readTag();
    cursor.space();
    const name = cursor.atom("a command name").toUpperCase();
    const reader = READERS[name] ?? (SIMPLE_COMMANDS.has(name) ? simple : undefined);
    if (!reader) cursor.fail(`Unknown command ${name}`);
    return { ok: true, command: reader(cursor, tag, name) };
  } catch (error) {
    if (error instanceof ImapParseError) return { ok: false, error };
    throw error;
  }
}

/** During IDLE the client's only valid line is DONE (RFC 2177), read before normal parsing. */
export function isIdleDone(framed: FramedCommand): boolean {
  return framed.lines.length === 1 && framed.lines[0]!.toString("latin1").toUpperCase() === "DONE";
}

const simple: Reader = (cursor, tag, name) => {
  cursor.expectEnd();
  return { tag, name: name as SimpleCommandName };
};

function mailbox(cursor: CommandCursor): string {
  const wire = cursor.astring();
  const name = decodeMailboxName(wire);
  if (name === null) cursor.fail("Mailbox name is not valid modified UTF-7");
  return normalizeMailboxName(name);
}

function listPattern(cursor: CommandCursor): string {
  const wire = cursor.listMailbox();
  return decodeMailboxName(wire) ?? cursor.fail("Mailbox pattern is not valid modified UTF-7");
}

/** Reads " <mailbox>" to the end of the command. */
function lastMailbox(cursor: CommandCursor): string {
  cursor.space();
  const name = mailbox(cursor);
  cursor.expectEnd();
  return name;
}

const READERS: Record<string, Reader> = {
  AUTHENTICATE: (cursor, tag) => {
    cursor.space();
    const mechanism = cursor.atom("a SASL mechanism").toUpperCase();
    // SASL-IR (RFC 4959): an initial response in base64, or "=" for an empty one.
    const initialResponse = cursor.trySpace() ? cursor.atom("an initial response") : null;
    cursor.expectEnd();
    return { tag, name: "AUTHENTICATE", mechanism, initialResponse };
  },
  LOGIN: (cursor, tag) => {
    cursor.space();
    const username = cursor.astring();
    cursor.space();
    const password = cursor.astring();
    cursor.expectEnd();
    return { tag, name: "LOGIN", username, password };
  },
  SELECT: (cursor, tag, name) => selectCommand(cursor, tag, name as "SELECT"),
  EXAMINE: (cursor, tag, name) => selectCommand(cursor, tag, name as "EXAMINE"),
  CREATE: (cursor, tag) => ({ tag, name: "CREATE", mailbox: lastMailbox(cursor) }),
  DELETE: (cursor, tag) => ({ tag, name: "DELETE", mailbox: lastMailbox(cursor) }),
  SUBSCRIBE: (cursor, tag) => ({ tag, name: "SUBSCRIBE", mailbox: lastMailbox(cursor) }),
  UNSUBSCRIBE: (cursor, tag) => ({ tag, name: "UNSUBSCRIBE", mailbox: lastMailbox(cursor) }),
  RENAME: (cursor, tag) => {
    cursor.space();
    const from = mailbox(cursor);
    return { tag, name: "RENAME", from, to: lastMailbox(cursor) };
  },
  LIST: listCommand,
  LSUB: (cursor, tag) => {
    cursor.space();
    const reference = listPattern(cursor);
    cursor.space();
    const pattern = listPattern(cursor);
    cursor.expectEnd();
    return { tag, name: "LSUB", reference, pattern };
  },
  STATUS: (cursor, tag) => {
    cursor.space();
    const name = mailbox(cursor);
    cursor.space();
    const items = cursor.parenthesized(() => statusItem(cursor), false);
    cursor.expectEnd();
    return { tag, name: "STATUS", mailbox: name, items };
  },
  APPEND: appendCommand,
  EXPUNGE: (cursor, tag) => {
    cursor.expectEnd();
    return { tag, name: "EXPUNGE", uids: null };
  },
  SEARCH: (cursor, tag) => searchCommand(cursor, tag, false),
  FETCH: (cursor, tag) => fetchCommand(cursor, tag, false),
  STORE: (cursor, tag) => storeCommand(cursor, tag, false),
  COPY: (cursor, tag) => copyCommand(cursor, tag, "COPY", false),
  MOVE: (cursor, tag) => copyCommand(cursor, tag, "MOVE", false),
  UID: uidCommand,
  ID: idCommand,
  ENABLE: (cursor, tag) => {
    const capabilities: string[] = [];
    while (cursor.trySpace()) capabilities.push(cursor.atom("a capability").toUpperCase());
    if (capabilities.length === 0) cursor.fail("ENABLE needs a capability");
    cursor.expectEnd();
    return { tag, name: "ENABLE", capabilities };
  },
};

function selectCommand(cursor: CommandCursor, tag: string, name: "SELECT" | "EXAMINE"): Command {
  cursor.space();
  const target = mailbox(cursor);
  let condstore = false;
  if (cursor.trySpace()) {
    cursor.parenthesized(() => {
      const parameter = cursor.atom("a select parameter").toUpperCase();
      if (parameter !== "CONDSTORE") cursor.fail(`Unknown select parameter ${parameter}`);
      condstore = true;
    });
  }
  cursor.expectEnd();
  return { tag, name, mailbox: target, condstore };
}

/** LIST [SP "(" opts ")"] SP reference SP (pattern / "(" patterns ")") [SP RETURN SP "(" opts ")"] */
function listCommand(cursor: CommandCursor, tag: string): Command {
  cursor.space();
  const options = () => cursor.parenthesized(() => cursor.atom("a LIST option").toUpperCase());
  let selectionOptions: string[] = [];
  if (cursor.peek() === 0x28) {
    selectionOptions = options();
    cursor.space();
  }
  const reference = listPattern(cursor);
  cursor.space();
  const patterns = cursor.peek() === 0x28 ? cursor.parenthesized(() => listPattern(cursor), false) : [listPattern(cursor)];
  let returnOptions: string[] = [];
  if (cursor.trySpace()) {
    if (cursor.atom("RETURN").toUpperCase() !== "RETURN") cursor.fail("Expected RETURN");
    cursor.space();
    returnOptions = options();
  }
  cursor.expectEnd();
  return { tag, name: "LIST", reference, patterns, selectionOptions, returnOptions };
}

function statusItem(cursor: CommandCursor): StatusItem {
  const item = cursor.atom("a status item").toUpperCase();
  if (!STATUS_ITEMS.has(item)) cursor.fail(`Unknown status item ${item}`);
  return item as StatusItem;
}

/** APPEND SP mailbox [SP flag-list] [SP date-time] SP literal */
function appendCommand(cursor: CommandCursor, tag: string): Command {
  cursor.space();
  const target = mailbox(cursor);
  cursor.space();
  let flags: string[] = [];
  if (cursor.peek() === 0x28) {
    flags = cursor.parenthesized(() => cursor.flag());
    cursor.space();
  }
  let internalDate: Date | null = null;
  if (cursor.peek() === 0x22) {
    const text = cursor.quoted();
    internalDate = parseImapDateTime(text) ?? cursor.fail(`Invalid date-time ${text}`);
    cursor.space();
  }
  const literal = cursor.literal(true);
  cursor.expectEnd();
  return { tag, name: "APPEND", mailbox: target, flags, internalDate, message: literal.data, binary: literal.binary };
}

/** SEARCH [SP "CHARSET" SP astring] 1*(SP search-key) */
function searchCommand(cursor: CommandCursor, tag: string, uid: boolean): Command {
  cursor.space();
  let charset: string | null = null;
  if (cursor.tryKeyword("CHARSET")) {
    cursor.space();
    charset = cursor.astring().toUpperCase();
    cursor.space();
  }
  return { tag, name: "SEARCH", uid, charset, criteria: parseSearchKeys(cursor) };
}

function fetchCommand(cursor: CommandCursor, tag: string, uid: boolean): Command {
  cursor.space();
  const sequenceSet = cursor.sequenceSet();
  cursor.space();
  const items = parseFetchItems(cursor);
  const changedSince = cursor.trySpace() ? parseFetchModifiers(cursor) : null;
  cursor.expectEnd();
  return { tag, name: "FETCH", uid, sequenceSet, items, changedSince };
}

/** STORE SP sequence-set [SP "(" UNCHANGEDSINCE n ")"] SP ["+"/"-"] "FLAGS" [".SILENT"] SP flags */
function storeCommand(cursor: CommandCursor, tag: string, uid: boolean): Command {
  cursor.space();
  const sequenceSet = cursor.sequenceSet();
  cursor.space();
  let unchangedSince: bigint | null = null;
  if (cursor.peek() === 0x28) {
    cursor.parenthesized(() => {
      if (cursor.atom("a STORE modifier").toUpperCase() !== "UNCHANGEDSINCE") cursor.fail("Unknown STORE modifier");
      cursor.space();
      unchangedSince = cursor.modSeq();
    }, false);
    cursor.space();
  }
  const action: StoreCommand["action"] = cursor.tryByte(0x2b) ? "add" : cursor.tryByte(0x2d) ? "remove" : "set";
  const item = cursor.word();
  if (item !== "FLAGS" && item !== "FLAGS.SILENT") cursor.fail(`Unknown STORE item ${item}`);
  cursor.space();
  const flags = cursor.peek() === 0x28 ? cursor.parenthesized(() => cursor.flag()) : spaceSeparatedFlags(cursor);
  cursor.expectEnd();
  return { tag, name: "STORE", uid, sequenceSet, action, silent: item === "FLAGS.SILENT", flags, unchangedSince };
}

function spaceSeparatedFlags(cursor: CommandCursor): string[] {
  const flags = [cursor.flag()];
  while (cursor.trySpace()) flags.push(cursor.flag());
  return flags;
}

function copyCommand(cursor: CommandCursor, tag: string, name: "COPY" | "MOVE", uid: boolean): Command {
  cursor.space();
  const sequenceSet = cursor.sequenceSet();
  return { tag, name, uid, sequenceSet, mailbox: lastMailbox(cursor) };
}

/** UID SP (COPY / MOVE / FETCH / SEARCH / STORE / EXPUNGE SP sequence-set) */
function uidCommand(cursor: CommandCursor, tag: string): Command {
  cursor.space();
  const name = cursor.atom("a command name").toUpperCase();
  switch (name) {
    case "FETCH":
      return fetchCommand(cursor, tag, true);
    case "SEARCH":
      return searchCommand(cursor, tag, true);
    case "STORE":
      return storeCommand(cursor, tag, true);
    case "COPY":
    case "MOVE":
      return copyCommand(cursor, tag, name, true);
    case "EXPUNGE": {
      cursor.space();
      const uids = cursor.sequenceSet();
      cursor.expectEnd();
      return { tag, name: "EXPUNGE", uids };
    }
    default:
      return cursor.fail(`Unknown UID command ${name}`);
  }
}

/** ID SP ("(" *(string SP nstring) ")" / NIL), RFC 2971 */
function idCommand(cursor: CommandCursor, tag: string): Command {
  cursor.space();
  if (cursor.peek() !== 0x28) {
    if (cursor.atom("NIL").toUpperCase() !== "NIL") cursor.fail("Expected ID parameters or NIL");
    cursor.expectEnd();
    return { tag, name: "ID", parameters: null };
  }
  const parameters = cursor.parenthesized((): [string, string | null] => {
    const field = cursor.string();
    cursor.space();
    return [field, cursor.nstring()];
  });
  if (parameters.length > MAX_ID_PAIRS) cursor.fail("Too many ID parameters");
  cursor.expectEnd();
  return { tag, name: "ID", parameters };
}
