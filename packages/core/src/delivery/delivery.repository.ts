import { sql, type Compilable } from "kysely";
import type { Executor } from "../db/database.js";
import { appendEvents, eventRows, type NewEvent } from "../events/event-log.js";
import type { DeliveryRow, DeliveryTable, NewDeliveryRow, NewOutboundMessageRow, OutboundMessageRow } from "./delivery.table.js";

/** The inserts that record a send (its message and one row per recipient), to run in one statement. */
export function outboundInserts(db: Executor, messages: NewOutboundMessageRow[], deliveries: NewDeliveryRow[]): Compilable[] {
  return [
    db.insertInto("outbound_messages").values(messages),
    ...(deliveries.length > 0 ? [db.insertInto("deliveries").values(deliveries)] : []),
  ];
}

export async function findTenantOutboundMessage(
  db: Executor,
  tenantId: string,
  id: string,
): Promise<Omit<OutboundMessageRow, "raw"> | undefined> {
  return db
    .selectFrom("outbound_messages")
    .select([
      "id",
      "tenant_id",
      "from_address",
      "sender_mailbox_id",
      "to_addresses",
      "cc_addresses",
      "subject",
      "message_id_header",
      "size",
      "tags",
      "source",
      "created_at",
    ])
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
}

export async function listMessageDeliveries(db: Executor, messageId: string): Promise<DeliveryRow[]> {
  return db.selectFrom("deliveries").selectAll().where("message_id", "=", messageId).orderBy("id").execute();
}

export type OutboundForDelivery = Pick<
  OutboundMessageRow,
  "id" | "raw" | "from_address" | "sender_mailbox_id" | "tenant_id" | "subject" | "message_id_header" | "created_at"
> & {
  /** The tenant's custom domain the sender's address is on; null on a system domain. */
  sender_domain_id: string | null;
};

/** What a worker needs to send its claimed recipients' copies: each message once, by id. */
export async function findOutboundForDeliveries(
  db: Executor,
  messageIds: readonly string[],
): Promise<Map<string, OutboundForDelivery>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("outbound_messages as o")
    .leftJoin("domains as d", (join) =>
      join.onRef("d.tenant_id", "=", "o.tenant_id").on("d.name", "=", sql<string>`substring(o.from_address from '@([^@]*)$')`),
    )
    .select([
      "o.id",
      "o.raw",
      "o.from_address",
      "o.sender_mailbox_id",
      "o.tenant_id",
      "o.subject",
      "o.message_id_header",
      "o.created_at",
      "d.id as sender_domain_id",
    ])
    .where("o.id", "in", [...new Set(messageIds)])
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Claim up to `limit` due recipients in one statement: queued or deferred ones whose time has come,
 * and `sending` ones whose lease ran out (their worker died). FOR UPDATE SKIP LOCKED lets any number
 * of workers, in any number of processes, claim side by side without ever taking one row twice;
 * the lease (locked_until) hands a dead worker's rows to the next claim.
 */
export async function claimDueDeliveries(
  db: Executor,
  options: { limit: number; leaseSeconds: number; leaseToken: string; tenantIds?: readonly string[] | undefined },
): Promise<DeliveryRow[]> {
  const { limit, leaseSeconds, leaseToken, tenantIds } = options;
  if (tenantIds !== undefined && tenantIds.length === 0) return [];
  // Two index-ordered scans (rows whose lease ran out, then due rows), each stopping at `limit`:
  // one scan with an OR would read and sort every due row of a deep queue on every claim.
  return db
    .with("expired", (qb) => {
      let q = qb
        .selectFrom("deliveries")
        .select("id")
        .where("status", "=", "sending")
        .where("locked_until", "<=", sql<Date>`now()`);
      if (tenantIds !== undefined) q = q.where("tenant_id", "in", [...tenantIds]);
      return q.orderBy("locked_until").limit(limit).forUpdate().skipLocked();
    })
    .with("due", (qb) => {
      let q = qb
        .selectFrom("deliveries")
        .select("id")
        .where("status", "in", ["queued", "deferred"])
        .where("next_attempt_at", "<=", sql<Date>`now()`);
      if (tenantIds !== undefined) q = q.where("tenant_id", "in", [...tenantIds]);
      return q.orderBy("next_attempt_at").limit(limit).forUpdate().skipLocked();
    })
    .updateTable("deliveries")
    .set({
      status: "sending",
      attempts: sql<number>`attempts + 1`,
      locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
      lease_token: leaseToken,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "in", (eb) =>
      eb
        .selectFrom((inner) =>
          inner.selectFrom("expired").select("id").unionAll(inner.selectFrom("due").select("id")).as("claimable"),
        )
        .select("claimable.id")
        .limit(limit),
    )
    .returningAll()
    .execute();
}

/** Record one result and its event, inside the caller's transaction; false when the lease was no longer ours. */
export async function finishDelivery(trx: Executor, result: DeliveryResult): Promise<boolean> {
  const updated = await trx
    .updateTable("deliveries")
    .set({ ...result.patch, locked_until: null, lease_token: null, updated_at: sql<Date>`now()` })
    .where("id", "=", result.id)
    .where("lease_token", "=", result.leaseToken)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await appendEvents(trx, [result.event]);
  return true;
}

export interface DeliveryResult {
  id: string;
  leaseToken: string;
  patch: Pick<DeliveryTable, "status" | "next_attempt_at" | "last_response">;
  /** The delivery.* event that reports it, written only if the result is. */
  event: NewEvent;
}

/**
 * finishDelivery for several rows in one statement; the ids whose lease was still theirs (the
 * others were taken by another claim meanwhile and are left alone).
 */
export async function finishDeliveries(db: Executor, results: readonly DeliveryResult[]): Promise<Set<string>> {
  if (results.length === 0) return new Set();
  const values = sql.join(
    results.map(
      (r) =>
        sql`(${r.id}, ${r.leaseToken}, ${r.patch.status}, ${r.patch.next_attempt_at}::timestamptz, ${r.patch.last_response})`,
    ),
  );
  const now = new Date();
  const events = sql.join(
    results.map((r) => {
      const e = eventRows([r.event], now)[0]!;
      return sql`(${r.id}, ${e.id}, ${e.tenant_id}, ${e.type}, ${e.mailbox_id}::text, ${e.domain_id}::text, ${e.data}::jsonb, ${now}::timestamptz)`;
    }),
  );
  // Rows are locked in id order, as renewLeases locks them: two multi-row updates of one worker's
  // rows can then never wait on each other in a cycle (a deadlock would cost a batch its results).
  // Each result's event is written by the same statement, for the rows it updated only.
  const { rows } = await sql<{ id: string }>`
    with v (id, lease_token, status, next_attempt_at, last_response) as (values ${values}),
    locked as (
      select d.id from deliveries d join v on v.id = d.id and v.lease_token = d.lease_token
      order by d.id for update of d
    ),
    updated as (
      update deliveries as d
      set status = v.status, next_attempt_at = v.next_attempt_at, last_response = v.last_response,
          locked_until = null, lease_token = null, updated_at = now()
      from v
      where d.id = v.id and d.id in (select id from locked)
      returning d.id
    ),
    ev (delivery_id, id, tenant_id, type, mailbox_id, domain_id, data, created_at) as (values ${events}),
    recorded as (
      insert into events (id, tenant_id, type, mailbox_id, domain_id, data, created_at)
      select id, tenant_id, type, mailbox_id, domain_id, data, created_at from ev
      where delivery_id in (select id from updated)
    )
    select id from updated
  `.execute(db);
  return new Set(rows.map((r) => r.id));
}

/** Give a claimed row back untouched (a worker stopping before it started the attempt). */
export async function releaseDelivery(db: Executor, id: string, leaseToken: string): Promise<void> {
  await db
    .updateTable("deliveries")
    .set({
      status: sql`case when attempts > 1 then 'deferred' else 'queued' end`,
      attempts: sql<number>`attempts - 1`,
      locked_until: null,
      lease_token: null,
    })
    .where("id", "=", id)
    .where("lease_token", "=", leaseToken)
    .execute();
}

export async function databaseNow(db: Executor): Promise<Date> {
  const row = await sql<{ now: Date }>`select now() as now`.execute(db);
  return row.rows[0]!.now;
}

/** Keep the claims a live worker still holds from running out mid-attempt (its heartbeat). */
export async function renewLeases(db: Executor, leaseTokens: readonly string[], leaseSeconds: number): Promise<number> {
  if (leaseTokens.length === 0) return 0;
  const result = await db
    .updateTable("deliveries")
    .set({ locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    // Locked in id order, as finishDeliveries locks them (no deadlock between the two).
    .where("id", "in", (eb) =>
      eb
        .selectFrom("deliveries")
        .select("id")
        .where("lease_token", "in", [...leaseTokens])
        .where("status", "=", "sending")
        .orderBy("id")
        .forUpdate(),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
