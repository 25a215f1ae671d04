import { sql, type RawBuilder } from "kysely";
import type { SearchKey } from "./command-types.js";
import { imapDateToUtc, type ImapDate } from "./imap-date.js";
import type { HandlerTable } from "./imap-session.js";
import type { SelectedFolder } from "./imap-selected-folder.js";
import { searchUids } from "./imap-store.js";
import { searchResponse } from "./response-writer.js";
import { resolveSequenceSet, type NumberRange, type SequenceSet } from "./sequence-set.js";

/** The charsets SEARCH takes (RFC 3501 6.4.4 requires US-ASCII; our text columns are UTF-8). */
const CHARSETS = ["UTF-8", "US-ASCII"];

/**
 * SEARCH and UID SEARCH, translated whole into one SQL query over the folder's messages (flags,
 * dates and sizes from their columns, addresses and headers from the stored header lines, text from
 * the stored text and HTML bodies): nothing is evaluated message by message in JS, so a search of a
 * huge folder reads no raw message.
 */
export const SEARCH_HANDLERS: HandlerTable = {
  SEARCH: async (session, command) => {
    if (command.charset !== null && !CHARSETS.includes(command.charset)) {
      return session.tagged(command.tag, "NO", `Unsupported charset ${command.charset}`, {
        name: "BADCHARSET",
        charsets: CHARSETS,
      });
    }
    const selected = session.selected!;
    const condition = all(command.criteria.map((key) => searchCondition(key, selected)));
    const found = await searchUids(session.deps.db, selected.folder.id, condition, selected.maxUid);
    // Only what the client has been told exists: later arrivals are reported by EXISTS first.
    const numbers = command.uid
      ? found.filter((uid) => selected.sequenceOf(uid) > 0)
      : found.map((uid) => selected.sequenceOf(uid)).filter((n) => n > 0);
    await session.send(searchResponse(numbers));
    await session.ok(command, "SEARCH completed");
  },
};

export function searchCondition(key: SearchKey, selected: SelectedFolder): RawBuilder<boolean> {
  switch (key.key) {
    case "ALL":
    case "OLD":
      return sql`true`;
    // \Recent is not kept: no message is recent to any session.
    case "NEW":
    case "RECENT":
      return sql`false`;
    case "ANSWERED":
    case "DELETED":
    case "DRAFT":
    case "FLAGGED":
    case "SEEN":
      return sql`m.${sql.ref(key.key.toLowerCase())}`;
    case "UNANSWERED":
    case "UNDELETED":
    case "UNDRAFT":
    case "UNFLAGGED":
    case "UNSEEN":
      return sql`not m.${sql.ref(key.key.slice(2).toLowerCase())}`;
    case "KEYWORD":
      return sql`m.keywords @> ${JSON.stringify([key.flag])}::jsonb`;
    case "UNKEYWORD":
      return sql`not (m.keywords @> ${JSON.stringify([key.flag])}::jsonb)`;
    case "LARGER":
      return sql`m.size > ${key.size}`;
    case "SMALLER":
      return sql`m.size < ${key.size}`;
    case "BEFORE":
    case "ON":
    case "SINCE":
      return dateCondition(sql`m.received_at`, key.key, key.date);
    case "SENTBEFORE":
    case "SENTON":
    case "SENTSINCE":
      return dateCondition(sql`m.sent_at`, key.key.slice(4) as "BEFORE" | "ON" | "SINCE", key.date);
    case "FROM":
      return sql`(${contains(sql`m.from_address`, key.value)} or ${contains(sql`m.from_name`, key.value)} or ${header("from", key.value)})`;
    case "TO":
      return sql`(${contains(sql`m.to_addresses::text`, key.value)} or ${header("to", key.value)})`;
    case "CC":
    case "BCC":
      return header(key.key.toLowerCase(), key.value);
    case "SUBJECT":
      return sql`(${contains(sql`m.subject`, key.value)} or ${header("subject", key.value)})`;
    case "HEADER":
      return header(key.field.toLowerCase(), key.value);
    case "BODY":
      return body(key.value);
    case "TEXT":
      return sql`(${body(key.value)} or ${anyHeader(key.value)})`;
    case "UID":
      return inRanges(resolveSequenceSet(key.set, selected.maxUid));
    case "SEQUENCE":
      return inRanges(sequenceToUidRanges(key.set, selected));
    case "MODSEQ":
      return sql`m.modseq >= ${String(key.modseq)}`;
    case "NOT":
      return sql`not (${searchCondition(key.operand, selected)})`;
    case "OR":
      return sql`((${searchCondition(key.left, selected)}) or (${searchCondition(key.right, selected)}))`;
    case "AND":
      return all(key.operands.map((operand) => searchCondition(operand, selected)));
  }
}

function all(conditions: RawBuilder<boolean>[]): RawBuilder<boolean> {
  if (conditions.length === 0) return sql`true`;
  return sql`(${sql.join(
    conditions.map((c) => sql`(${c})`),
    sql` and `,
  )})`;
}

/** Case-insensitive substring (RFC 3501 6.4.4); strpos, so the client's text has no wildcards to escape. */
function contains(column: RawBuilder<unknown>, value: string): RawBuilder<boolean> {
  return sql`coalesce(strpos(lower(${column}), lower(${value})) > 0, false)`;
}

/** A header field of that name contains the value; an empty value asks only that the field exists. */
function header(name: string, value: string): RawBuilder<boolean> {
  return sql`exists (select 1 from jsonb_array_elements(c.headers) h
    where lower(h->>'name') = ${name} and strpos(lower(h->>'value'), lower(${value})) > 0)`;
}

function anyHeader(value: string): RawBuilder<boolean> {
  return sql`exists (select 1 from jsonb_array_elements(c.headers) h where strpos(lower(h->>'value'), lower(${value})) > 0)`;
}

function body(value: string): RawBuilder<boolean> {
  return sql`(${contains(sql`c.text_body`, value)} or ${contains(sql`c.html_body`, value)})`;
}

/** Dates compare as days in UTC, disregarding time and zone (RFC 3501 6.4.4). */
function dateCondition(column: RawBuilder<unknown>, relation: "BEFORE" | "ON" | "SINCE", date: ImapDate): RawBuilder<boolean> {
  const day = imapDateToUtc(date).toISOString().slice(0, 10);
  const columnDay = sql`(${column} at time zone 'UTC')::date`;
  if (relation === "BEFORE") return sql`coalesce(${columnDay} < ${day}::date, false)`;
  if (relation === "ON") return sql`coalesce(${columnDay} = ${day}::date, false)`;
  return sql`coalesce(${columnDay} >= ${day}::date, false)`;
}

function inRanges(ranges: readonly NumberRange[]): RawBuilder<boolean> {
  if (ranges.length === 0) return sql`false`;
  const starts = ranges.map(([start]) => String(start));
  const ends = ranges.map(([, end]) => String(end));
  return sql`exists (select 1 from unnest(${starts}::bigint[], ${ends}::bigint[]) r(s, e) where m.uid between r.s and r.e)`;
}

/**
 * Sequence numbers as UID ranges: the numbers a..b are exactly the view's UIDs from uid(a) to uid(b),
 * since no UID between two the view holds can be missing from it. Numbers past EXISTS match nothing.
 */
function sequenceToUidRanges(set: SequenceSet, selected: SelectedFolder): NumberRange[] {
  const ranges: NumberRange[] = [];
  for (const [start, end] of resolveSequenceSet(set, selected.exists)) {
    const last = Math.min(end, selected.exists);
    if (start > last) continue;
    ranges.push([selected.uidAt(start)!, selected.uidAt(last)!]);
  }
  return ranges;
}
