import type { EventType, MailroomEvent } from "@mailroom/contracts";
import { type Compilable, sql } from "kysely";
import type { Executor } from "../db/database.js";
import { newId } from "../ids.js";
import type { EventRow, NewEventRow } from "./event.table.js";

/** The channel the events table's trigger notifies once per inserting statement. */
export const EVENTS_CHANNEL = "mailroom_events";

/** An event to record alongside the change it reports. */
export interface NewEvent {
  tenantId: string;
  type: EventType;
  /** For webhook mailbox filters and the stream's mailbox filter. */
  mailboxId?: string | null | undefined;
  /** For webhook domain filters. */
  domainId?: string | null | undefined;
  data: Record<string, unknown>;
}

/** A place in the log: everything at or before it has been read. */
export interface EventPosition {
  txid: string;
  seq: string;
}

/** Before every event. */
export const START_OF_LOG: EventPosition = { txid: "0", seq: "0" };

/** The rows for `events`, ids and timestamps fixed now (so the caller can name them before commit). */
export function eventRows(events: readonly NewEvent[], now = new Date()): NewEventRow[] {
  return events.map((e) => eventRow(e, JSON.stringify(e.data), now));
}

/** One row whose data is already JSON text (a caller that serialises shared parts once). */
export function eventRow(event: Omit<NewEvent, "data">, dataJson: string, now = new Date()): NewEventRow {
  return {
    id: newId("event"),
    tenant_id: event.tenantId,
    type: event.type,
    mailbox_id: event.mailboxId ?? null,
    domain_id: event.domainId ?? null,
    data: dataJson,
    created_at: now,
  };
}

/**
 * The insert that records `rows`, to run as a CTE of the statement that makes the change
 * (insertMessagesAndNotify's `alongside`) or inside the change's transaction.
 */
export function eventInsert(executor: Executor, rows: NewEventRow[]): Compilable {
  return executor.insertInto("events").values(rows);
}

/** Records `events` on `executor`: call it with the transaction that makes the change. */
export async function appendEvents(executor: Executor, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await executor.insertInto("events").values(eventRows(events)).execute();
}

export interface EventFilter {
  tenantId?: string | undefined;
  types?: readonly string[] | undefined;
  mailboxId?: string | undefined;
  /** Only events written at or after this time. */
  since?: Date | undefined;
}

/**
 * Events after `after`, oldest first, that no running transaction can still precede: rows of a
 * transaction that has not committed are invisible, and rows of transactions younger than the
 * oldest running one wait for it, so advancing a position past what this returns never skips a
 * row that commits later. Returns the position reached (past filtered-out rows too).
 */
export async function readEventsAfter(
  db: Executor,
  after: EventPosition,
  filter: EventFilter,
  limit: number,
): Promise<{ rows: EventRow[]; position: EventPosition }> {
  let q = visibleAfter(db, after).selectAll();
  if (filter.tenantId !== undefined) q = q.where("tenant_id", "=", filter.tenantId);
  if (filter.types !== undefined && filter.types.length > 0) q = q.where("type", "in", [...filter.types]);
  if (filter.mailboxId !== undefined) q = q.where("mailbox_id", "=", filter.mailboxId);
  if (filter.since !== undefined) q = q.where("created_at", ">=", filter.since);
  const rows = await q.orderBy("txid").orderBy("seq").limit(limit).execute();
  const last = rows.at(-1);
  return { rows, position: last ? positionOf(last) : after };
}

/**
 * The end of what readEventsAfter can return now: the last row of a transaction older than every
 * running one. A reader starting here misses nothing committed later (START_OF_LOG on an empty log).
 */
export async function currentEventPosition(db: Executor): Promise<EventPosition> {
  const row = await db
    .selectFrom("events")
    .select(["txid", "seq"])
    .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`)
    .orderBy("txid", "desc")
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? positionOf(row) : START_OF_LOG;
}

/** Whether `a` comes after `b` in the log. */
export function isAfter(a: EventPosition, b: EventPosition): boolean {
  const ta = BigInt(a.txid);
  const tb = BigInt(b.txid);
  return ta > tb || (ta === tb && BigInt(a.seq) > BigInt(b.seq));
}

/**
 * Like readEventsAfter for the whole log, but only each event's id and position: for readers that
 * need no bodies (the webhook dispatcher), so a log of large message.received events is cheap to pass.
 */
export async function readEventIdsAfter(
  db: Executor,
  after: EventPosition,
  limit: number,
): Promise<{ ids: string[]; position: EventPosition }> {
  const rows = await visibleAfter(db, after).select(["id", "txid", "seq"]).orderBy("txid").orderBy("seq").limit(limit).execute();
  const last = rows.at(-1);
  return { ids: rows.map((r) => r.id), position: last ? positionOf(last) : after };
}

/** The log after `after`, as far as no running transaction can still precede it. */
function visibleAfter(db: Executor, after: EventPosition) {
  return db
    .selectFrom("events")
    .where(sql<boolean>`(txid, seq) > (${after.txid}::bigint, ${after.seq}::bigint)`)
    .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`);
}

export function positionOf(row: Pick<EventRow, "txid" | "seq">): EventPosition {
  return { txid: String(row.txid), seq: String(row.seq) };
}

/** The position of event `id` in the tenant's log, or undefined when it is not there (pruned, never was). */
export async function findEventPosition(db: Executor, tenantId: string, id: string): Promise<EventPosition | undefined> {
  const row = await db
    .selectFrom("events")
    .select(["txid", "seq"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? positionOf(row) : undefined;
}

/** The body every reader shows: `{id, type, timestamp, data}`. */
export function toEvent(row: Pick<EventRow, "id" | "type" | "created_at" | "data">): MailroomEvent {
  return {
    id: row.id,
    type: row.type,
    timestamp: row.created_at.toISOString(),
    data: (typeof row.data === "string" ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
  };
}

/** Deletes events older than `days`, a bounded batch at a time; returns how many went. */
export async function pruneEvents(db: Executor, days: number, batch = 5000): Promise<number> {
  const result = await sql<{ n: string }>`
    with doomed as (
      select id from events where created_at < now() - make_interval(days => ${days}) limit ${batch}
    ), gone as (delete from events where id in (select id from doomed) returning 1)
    select count(*)::text as n from gone`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
