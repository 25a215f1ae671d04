import { sql, type Compilable } from "kysely";
import type { Executor } from "../db/database.js";
import type {
  DeliveryRow,
  DeliveryTable,
  NewDeliveryRow,
  NewOutboundMessageRow,
  OutboundMessageRow,
} from "./delivery.table.js";

/** The inserts that record a send (its message and one row per recipient), to run in one statement. */
export function outboundInserts(db: Executor, message: NewOutboundMessageRow, deliveries: NewDeliveryRow[]): Compilable[] {
  return [db.insertInto("outbound_messages").values(message), ...(deliveries.length > 0 ? [db.insertInto("deliveries").values(deliveries)] : [])];
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
>;

/** What a worker needs to send its claimed recipients' copies: each message once, by id. */
export async function findOutboundForDeliveries(db: Executor, messageIds: readonly string[]): Promise<Map<string, OutboundForDelivery>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("outbound_messages")
    .select(["id", "raw", "from_address", "sender_mailbox_id", "tenant_id", "subject", "message_id_header", "created_at"])
    .where("id", "in", [...new Set(messageIds)])
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
  return db
    .updateTable("deliveries")
    .set({
      status: "sending",
      attempts: sql<number>`attempts + 1`,
      locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
      lease_token: leaseToken,
      updated_at: sql<Date>`now()`,
    })
    .where("id", "in", (eb) => {
      let due = eb
        .selectFrom("deliveries")
        .select("id")
        .where((w) =>
          w.or([
            w.and([w("status", "in", ["queued", "deferred"]), w("next_attempt_at", "<=", sql<Date>`now()`)]),
            w.and([w("status", "=", "sending"), w("locked_until", "<=", sql<Date>`now()`)]),
          ]),
        );
      if (tenantIds !== undefined) due = due.where("tenant_id", "in", [...tenantIds]);
      return due.orderBy("next_attempt_at").limit(limit).forUpdate().skipLocked();
    })
    .returningAll()
    .execute();
}

/** Record an attempt's result, only while this claim still holds the row. */
export async function finishDelivery(
  db: Executor,
  id: string,
  leaseToken: string,
  patch: Pick<DeliveryTable, "status" | "next_attempt_at" | "last_response">,
): Promise<boolean> {
  const result = await db
    .updateTable("deliveries")
    .set({ ...patch, locked_until: null, lease_token: null, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("lease_token", "=", leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
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
    .where("lease_token", "in", [...leaseTokens])
    .where("status", "=", "sending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
