import { storeFlags } from "../folders/folder-messages.js";
import { bodyStructure } from "./body-structure.js";
import type { FetchItem, Section } from "./command-types.js";
import { envelope } from "./envelope.js";
import { fetchItemName, fetchResponseChunks, type FetchEntry, type FetchValue } from "./fetch-response.js";
import { formatImapDateTime } from "./imap-date.js";
import type { CommandOf, HandlerTable, ImapSession } from "./imap-session.js";
import { messagesByUid, rawContents, type MessageMeta } from "./imap-store.js";
import { atom } from "./imap-value.js";
import { findBodyStart, parseHeaderBlock } from "./message-header.js";
import { parseMimeStructure, type MimePart } from "./mime-structure.js";
import { applyPartial, sectionBytes } from "./section-content.js";

/** Messages whose metadata is read per query. */
const META_PAGE = 250;
/** Raw bytes read per query, at most (a single larger message is read alone). */
const RAW_BATCH_BYTES = 8 * 1024 * 1024;
/** Bytes read for a header-only fetch: the header of nearly every message fits. */
const HEAD_BYTES = 64 * 1024;
/** Body literals are written in pieces of this size, each waiting for the socket to drain. */
const LITERAL_CHUNK = 64 * 1024;

type RawNeed = "none" | "head" | "full";

interface FetchPlan {
  items: FetchItem[];
  raw: RawNeed;
  /** A non-PEEK body item: \Seen is set, and FLAGS sent with it (RFC 3501 6.4.5). */
  marksSeen: boolean;
}

export const FETCH_HANDLERS: HandlerTable = {
  FETCH: async (session, command) => {
    const selected = session.selected!;
    const uids = selected.resolve(command.sequenceSet, command.uid);
    if (!uids) return session.tagged(command.tag, "BAD", "Invalid message sequence number");
    const plan = fetchPlan(command, selected.readOnly);
    for (let i = 0; i < uids.length && !session.conn.closed; i += META_PAGE) {
      let rows = await messagesByUid(session.deps.db, selected.folder.id, uids.slice(i, i + META_PAGE));
      if (command.changedSince !== null) rows = rows.filter((row) => row.modseq > Number(command.changedSince));
      const flagged = plan.marksSeen ? await markSeen(session, rows) : new Set<number>();
      await writeMessages(session, rows, plan, flagged);
    }
    await session.ok(command, "FETCH completed");
  },
};

function fetchPlan(command: CommandOf<"FETCH">, readOnly: boolean): FetchPlan {
  const items = [...command.items];
  // UID FETCH always answers with the UID (RFC 3501 6.4.8).
  if (command.uid && !items.some((item) => item.kind === "UID")) items.unshift({ kind: "UID" });
  if (command.changedSince !== null && !items.some((item) => item.kind === "MODSEQ")) items.push({ kind: "MODSEQ" });
  const needs = items.map(rawNeed);
  const raw: RawNeed = needs.includes("full") ? "full" : needs.includes("head") ? "head" : "none";
  const marksSeen = !readOnly && items.some(setsSeen);
  return { items, raw, marksSeen };
}

function rawNeed(item: FetchItem): RawNeed {
  switch (item.kind) {
    case "ENVELOPE":
    case "RFC822.HEADER":
      return "head";
    case "BODY":
    case "BODYSTRUCTURE":
    case "RFC822":
    case "RFC822.TEXT":
      return "full";
    case "BODY[]":
      return item.section.part.length === 0 && item.section.text?.startsWith("HEADER") ? "head" : "full";
    default:
      return "none";
  }
}

function setsSeen(item: FetchItem): boolean {
  return item.kind === "RFC822" || item.kind === "RFC822.TEXT" || (item.kind === "BODY[]" && !item.peek);
}

/** Sets \Seen on the rows that lack it; the UIDs whose FLAGS must now be sent. */
async function markSeen(session: ImapSession, rows: MessageMeta[]): Promise<Set<number>> {
  const unseen = rows.filter((row) => !row.flags.includes("\\Seen")).map((row) => row.uid);
  if (unseen.length === 0) return new Set();
  const selected = session.selected!;
  const result = await storeFlags(session.deps, selected.folder.id, unseen, { mode: "add", flags: ["\\Seen"] });
  const byUid = new Map(rows.map((row) => [row.uid, row]));
  for (const state of result.changed) {
    const row = byUid.get(state.uid);
    if (row) row.flags = state.flags;
    selected.noteReported(state.uid, state.modseq);
  }
  return new Set(result.changed.map((state) => state.uid));
}

async function writeMessages(session: ImapSession, rows: MessageMeta[], plan: FetchPlan, flagged: Set<number>): Promise<void> {
  for (const batch of rawBatches(rows, plan.raw)) {
    const raws = await loadRaw(session, batch, plan.raw);
    for (const row of batch) {
      const sequenceNumber = session.selected!.sequenceOf(row.uid);
      if (sequenceNumber === 0 || session.conn.closed) continue;
      const entries = entriesFor(row, raws.get(row.contentId), plan.items, flagged.has(row.uid));
      await session.conn.writeAll(fetchResponseChunks(sequenceNumber, entries));
    }
  }
}

/** Consecutive rows whose raw bytes together stay under the batch limit (all rows when none is needed). */
function* rawBatches(rows: MessageMeta[], need: RawNeed): Generator<MessageMeta[]> {
  if (need === "none") {
    if (rows.length > 0) yield rows;
    return;
  }
  let batch: MessageMeta[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = need === "head" ? Math.min(row.size, HEAD_BYTES) : row.size;
    if (batch.length > 0 && bytes + size > RAW_BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

async function loadRaw(session: ImapSession, rows: MessageMeta[], need: RawNeed): Promise<Map<string, Buffer>> {
  if (need === "none") return new Map();
  const { db } = session.deps;
  const ids = rows.map((row) => row.contentId);
  if (need === "full") return rawContents(db, ids);
  const heads = await rawContents(db, ids, HEAD_BYTES);
  // A header longer than the prefix: read that message whole.
  const cut = rows.filter((row) => {
    const head = heads.get(row.contentId);
    return head !== undefined && head.length < row.size && findBodyStart(head, 0, head.length) >= head.length;
  });
  if (cut.length > 0)
    for (const [id, raw] of await rawContents(
      db,
      cut.map((row) => row.contentId),
    ))
      heads.set(id, raw);
  return heads;
}

function entriesFor(row: MessageMeta, raw: Buffer | undefined, items: FetchItem[], sendFlags: boolean): FetchEntry[] {
  const bytes = raw ?? Buffer.alloc(0);
  let mime: MimePart | undefined;
  const tree = () => {
    mime ??= parseMimeStructure(bytes);
    return mime;
  };
  const entries: FetchEntry[] = items.map((item) => ({ name: responseName(item), value: itemValue(item, row, bytes, tree) }));
  if (sendFlags && !items.some((item) => item.kind === "FLAGS")) entries.push({ name: "FLAGS", value: row.flags.map(atom) });
  return entries;
}

function responseName(item: FetchItem): string {
  return fetchItemName(item);
}

const WHOLE: Section = { part: [], text: null, fields: [] };

function itemValue(item: FetchItem, row: MessageMeta, raw: Buffer, tree: () => MimePart): FetchValue {
  switch (item.kind) {
    case "UID":
      return row.uid;
    case "FLAGS":
      return row.flags.map(atom);
    case "INTERNALDATE":
      return atom(formatImapDateTime(row.internalDate));
    case "RFC822.SIZE":
      return row.size;
    case "MODSEQ":
      return [row.modseq];
    case "ENVELOPE":
      return envelope(parseHeaderBlock(raw.subarray(0, findBodyStart(raw, 0, raw.length))));
    case "BODY":
    case "BODYSTRUCTURE":
      return bodyStructure(tree(), item.kind === "BODYSTRUCTURE");
    case "RFC822":
      return literal(sectionBytes(raw, tree(), WHOLE));
    case "RFC822.HEADER":
      return literal(sectionBytes(raw, tree(), { ...WHOLE, text: "HEADER" }));
    case "RFC822.TEXT":
      return literal(sectionBytes(raw, tree(), { ...WHOLE, text: "TEXT" }));
    case "BODY[]":
      return literal(applyPartial(sectionBytes(raw, tree(), item.section) ?? Buffer.alloc(0), item.partial));
  }
}

/** Bytes as a literal streamed in pieces, so a large body is written as fast as the client reads it. */
function literal(bytes: Buffer | null): FetchValue {
  const value = bytes ?? Buffer.alloc(0);
  return {
    size: value.length,
    chunks: (function* () {
      for (let offset = 0; offset < value.length; offset += LITERAL_CHUNK) yield value.subarray(offset, offset + LITERAL_CHUNK);
    })(),
  };
}
