import type { StatusItem } from "./command-types.js";
import type { ReaderError } from "./command-reader.js";
import { appendValue, astring, atom, joinParts, quote, type ImapValue, type WriteOptions } from "./imap-value.js";
import { encodeMailboxName } from "./mailbox-name.js";
import type { ImapParseError } from "./parse-error.js";
import { formatSequenceSet } from "./sequence-set.js";

/** Server responses (RFC 3501 section 7): status lines with response codes, and untagged data. */

export type ResponseStatus = "OK" | "NO" | "BAD" | "PREAUTH" | "BYE";

/** Codes without arguments: RFC 3501, 4315, 7162 and the RFC 5530 set. */
export type PlainResponseCode =
  | "ALERT"
  | "PARSE"
  | "READ-ONLY"
  | "READ-WRITE"
  | "TRYCREATE"
  | "TOOBIG"
  | "NOMODSEQ"
  | "UIDNOTSTICKY"
  | "CLOSED"
  | "UNAVAILABLE"
  | "AUTHENTICATIONFAILED"
  | "AUTHORIZATIONFAILED"
  | "EXPIRED"
  | "PRIVACYREQUIRED"
  | "CONTACTADMIN"
  | "NOPERM"
  | "INUSE"
  | "EXPUNGEISSUED"
  | "CORRUPTION"
  | "SERVERBUG"
  | "CLIENTBUG"
  | "CANNOT"
  | "LIMIT"
  | "OVERQUOTA"
  | "ALREADYEXISTS"
  | "NONEXISTENT";

export type ResponseCode =
  | { name: PlainResponseCode }
  | { name: "UIDVALIDITY" | "UIDNEXT" | "UNSEEN"; value: number }
  | { name: "HIGHESTMODSEQ"; value: bigint | number }
  | { name: "PERMANENTFLAGS"; flags: readonly string[] }
  | { name: "CAPABILITY"; capabilities: readonly string[] }
  | { name: "BADCHARSET"; charsets: readonly string[] }
  | { name: "APPENDUID"; uidValidity: number; uids: Iterable<number> }
  | { name: "COPYUID"; uidValidity: number; source: Iterable<number>; destination: Iterable<number> }
  | { name: "MODIFIED"; numbers: Iterable<number> };

export function formatResponseCode(code: ResponseCode): string {
  switch (code.name) {
    case "UIDVALIDITY":
    case "UIDNEXT":
    case "UNSEEN":
    case "HIGHESTMODSEQ":
      return `${code.name} ${code.value}`;
    case "PERMANENTFLAGS":
      return `PERMANENTFLAGS (${code.flags.join(" ")})`;
    case "CAPABILITY":
      return `CAPABILITY ${code.capabilities.join(" ")}`;
    case "BADCHARSET":
      return code.charsets.length === 0 ? "BADCHARSET" : `BADCHARSET (${code.charsets.map(quote).join(" ")})`;
    case "APPENDUID":
      return `APPENDUID ${code.uidValidity} ${formatSequenceSet(code.uids)}`;
    case "COPYUID":
      return `COPYUID ${code.uidValidity} ${formatSequenceSet(code.source)} ${formatSequenceSet(code.destination)}`;
    case "MODIFIED":
      return `MODIFIED ${formatSequenceSet(code.numbers)}`;
    default:
      return code.name;
  }
}

/** `<tag> OK [CODE] text`, or `* OK …` when tag is null. The text is made safe for one line. */
export function statusResponse(tag: string | null, status: ResponseStatus, text: string, code?: ResponseCode): string {
  const codeText = code ? `[${formatResponseCode(code)}] ` : "";
  return `${tag ?? "*"} ${status} ${codeText}${responseText(text, status)}\r\n`;
}

/** text = 1*TEXT-CHAR: 7-bit, no CR/LF; it must not start with "[" (read as a response code). */
function responseText(text: string, fallback: string): string {
  const clean = text.replace(/[\r\n]+/g, " ").replace(/[^\x20-\x7e]/g, "?");
  if (clean === "") return fallback;
  return clean.startsWith("[") ? ` ${clean}` : clean;
}

/** `+ text`: a continuation request (for literals, or a base64 SASL challenge). */
export function continuationRequest(text = "Ready for literal data"): string {
  return `+ ${text.replace(/[\r\n]+/g, " ")}\r\n`;
}

export function parseErrorResponse(error: ImapParseError): string {
  return statusResponse(error.tag, "BAD", error.message);
}

export function readerErrorResponse(error: ReaderError): string {
  return statusResponse(error.tag, error.status, error.text, error.code ? { name: error.code } : undefined);
}

export function capabilityResponse(capabilities: readonly string[]): string {
  return `* CAPABILITY ${capabilities.join(" ")}\r\n`;
}

export function enabledResponse(capabilities: readonly string[]): string {
  return capabilities.length === 0 ? "* ENABLED\r\n" : `* ENABLED ${capabilities.join(" ")}\r\n`;
}

export function flagsResponse(flags: readonly string[]): string {
  return `* FLAGS (${flags.join(" ")})\r\n`;
}

export function existsResponse(count: number): string {
  return `* ${count} EXISTS\r\n`;
}

export function recentResponse(count: number): string {
  return `* ${count} RECENT\r\n`;
}

export function expungeResponse(sequenceNumber: number): string {
  return `* ${sequenceNumber} EXPUNGE\r\n`;
}

/** A mailbox name as it goes on the wire: modified UTF-7, then atom or string. */
export function mailboxValue(name: string): ImapValue {
  return astring(encodeMailboxName(name));
}

/** `* LIST (\HasNoChildren) "/" name` (or LSUB). */
export function listResponse(
  kind: "LIST" | "LSUB",
  attributes: readonly string[],
  delimiter: string | null,
  name: string,
  options: WriteOptions = {},
): Buffer {
  const delimiterValue = delimiter === null ? "NIL" : quote(delimiter);
  return untagged(`${kind} (${attributes.join(" ")}) ${delimiterValue} `, [mailboxValue(name)], options);
}

/** `* STATUS name (MESSAGES 2 UIDNEXT 7)`, items in the order given. */
export function statusDataResponse(
  name: string,
  values: readonly (readonly [StatusItem, number | bigint])[],
  options: WriteOptions = {},
): Buffer {
  const items = values.flatMap(([item, value]): ImapValue[] => [atom(item), value]);
  return untagged("STATUS ", [mailboxValue(name), items], options);
}

/** `* SEARCH 2 3 6`, with `(MODSEQ n)` when a CONDSTORE search asked for it. */
export function searchResponse(numbers: Iterable<number>, highestModSeq?: bigint): string {
  let line = "* SEARCH";
  for (const n of numbers) line += ` ${n}`;
  if (highestModSeq !== undefined) line += ` (MODSEQ ${highestModSeq})`;
  return `${line}\r\n`;
}

/** `* ID (...)` or `* ID NIL` (RFC 2971). */
export function idResponse(parameters: readonly (readonly [string, string | null])[] | null, options: WriteOptions = {}): Buffer {
  if (parameters === null) return Buffer.from("* ID NIL\r\n");
  return untagged("ID ", [parameters.flat()], options);
}

export type NamespaceEntry = readonly [prefix: string, delimiter: string | null];

/** `* NAMESPACE personal other shared` (RFC 2342); null for a class the server does not have. */
export function namespaceResponse(
  personal: readonly NamespaceEntry[] | null,
  other: readonly NamespaceEntry[] | null,
  shared: readonly NamespaceEntry[] | null,
): Buffer {
  const group = (entries: readonly NamespaceEntry[] | null): ImapValue =>
    entries === null || entries.length === 0
      ? null
      : entries.map(([prefix, delimiter]) => [encodeMailboxName(prefix), delimiter]);
  return untagged("NAMESPACE ", [group(personal), group(other), group(shared)], {});
}

/** `* <prefix>` then the values separated by spaces, then CRLF. */
function untagged(prefix: string, values: readonly ImapValue[], options: WriteOptions): Buffer {
  const parts: (string | Buffer)[] = [`* ${prefix}`];
  values.forEach((value, index) => {
    if (index > 0) parts.push(" ");
    appendValue(parts, value, options);
  });
  parts.push("\r\n");
  return joinParts(parts);
}
