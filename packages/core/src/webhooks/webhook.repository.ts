import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../db/database.js";
import { appendEvents } from "../events/event-log.js";
import { newId } from "../ids.js";
import type {
  NewWebhookEndpointRow,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEndpointUpdate,
} from "./webhook.table.js";

// ─── Endpoints ───────────────────────────────────────────────────────────────────────────────

export async function insertEndpoint(db: Executor, row: NewWebhookEndpointRow): Promise<WebhookEndpointRow> {
  return db.insertInto("webhook_endpoints").values(row).returningAll().executeTakeFirstOrThrow();
}

/** The tenant's endpoint count, its tenant row locked so two creations cannot both pass the limit. */
export async function countEndpointsLocked(db: Executor, tenantId: string): Promise<number> {
  await db.selectFrom("tenants").select("id").where("id", "=", tenantId).forUpdate().execute();
  const row = await db
    .selectFrom("webhook_endpoints")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Only the tenant's own: another tenant's id is simply not there. */
export async function findTenantEndpoint(db: Executor, tenantId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).where("tenant_id", "=", tenantId).executeTakeFirst();
}

export async function listTenantEndpoints(db: Executor, tenantId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom("webhook_endpoints").selectAll().where("tenant_id", "=", tenantId).orderBy("id").execute();
}

export async function updateTenantEndpoint(
  db: Executor,
  tenantId: string,
  id: string,
  patch: WebhookEndpointUpdate,
): Promise<WebhookEndpointRow | undefined> {
  return db
    .updateTable("webhook_endpoints")
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .returningAll()
    .executeTakeFirst();
}

/** Stop deliveries to the endpoint, with the webhook.disabled event in the same transaction. */
export async function disableEndpoint(db: Executor, endpoint: WebhookEndpointRow, reason: string): Promise<WebhookEndpointRow> {
  const row = await db
    .updateTable("webhook_endpoints")
    .set({ enabled: false, disabled_reason: reason, disabled_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("id", "=", endpoint.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendEvents(db, [
    { tenantId: endpoint.tenant_id, type: "webhook.disabled", data: { webhook_id: endpoint.id, url: endpoint.url, reason } },
  ]);
  return row;
}

export async function deleteTenantEndpoint(db: Executor, tenantId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("webhook_endpoints")
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Which of `ids` are the tenant's mailboxes / domains. */
export async function ownedIds(
  db: Executor,
  table: "mailboxes" | "domains",
  tenantId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("id", "in", [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}

// ─── Matching events to endpoints (the dispatcher and replay share it) ───────────────────────

/**
 * Whether endpoint `w` wants event `e`: its type is listed (or `*`), and each id filter that is
 * set names the event's mailbox / domain (an event without one does not match a set filter).
 */
function endpointWants(): RawBuilder<boolean> {
  return sql<boolean>`(w.event_types @> '["*"]'::jsonb or w.event_types @> jsonb_build_array(e.type))
    and (jsonb_array_length(w.mailbox_ids) = 0 or (e.mailbox_id is not null and w.mailbox_ids @> jsonb_build_array(e.mailbox_id)))
    and (jsonb_array_length(w.domain_ids) = 0 or (e.domain_id is not null and w.domain_ids @> jsonb_build_array(e.domain_id)))`;
}

interface MatchedEvent {
  endpoint_id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  event_txid: string;
  event_seq: string;
}

/**
 * The deliveries the dispatcher owes for `eventIds`: every enabled endpoint of the event's tenant
 * that wants it and existed when it happened (older events are replay's business).
 */
export async function matchNewEvents(db: Executor, eventIds: readonly string[]): Promise<MatchedEvent[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await sql<MatchedEvent>`
    select w.id as endpoint_id, e.tenant_id, e.id as event_id, e.type as event_type,
           e.txid::text as event_txid, e.seq::text as event_seq
    from events e join webhook_endpoints w on w.tenant_id = e.tenant_id
    where e.id in (${sql.join(eventIds)}) and w.enabled and e.created_at >= w.created_at and ${endpointWants()}
    order by e.txid, e.seq, w.id`.execute(db);
  return rows;
}

/** The tenant's past events for one endpoint, oldest first, at most `limit`. */
export async function matchPastEvents(
  db: Executor,
  endpointId: string,
  range: { since: Date; until: Date; types: readonly string[] | undefined; limit: number },
): Promise<MatchedEvent[]> {
  const types = range.types && range.types.length > 0 ? sql`and e.type in (${sql.join(range.types)})` : sql``;
  const { rows } = await sql<MatchedEvent>`
    select w.id as endpoint_id, e.tenant_id, e.id as event_id, e.type as event_type,
           e.txid::text as event_txid, e.seq::text as event_seq
    from webhook_endpoints w join events e on e.tenant_id = w.tenant_id
    where w.id = ${endpointId} and e.created_at >= ${range.since} and e.created_at < ${range.until}
      ${types} and ${endpointWants()}
    order by e.txid, e.seq
    limit ${range.limit}`.execute(db);
  return rows;
}

/** Queue a delivery per match, due now; ids follow the matches' order. */
export async function insertDeliveries(db: Executor, matches: readonly MatchedEvent[]): Promise<number> {
  // 1000 rows × 8 parameters stays far below PostgreSQL's 65,535 parameters per statement.
  for (let i = 0; i < matches.length; i += 1000) {
    const rows = matches.slice(i, i + 1000).map((m) => ({
      id: newId("webhookDelivery"),
      endpoint_id: m.endpoint_id,
      tenant_id: m.tenant_id,
      event_id: m.event_id,
      event_type: m.event_type,
      event_txid: m.event_txid,
      event_seq: m.event_seq,
      next_attempt_at: sql<Date>`now()`,
    }));
    await db.insertInto("webhook_deliveries").values(rows).execute();
  }
  return matches.length;
}

// ─── The dispatcher's cursor ─────────────────────────────────────────────────────────────────

/** The cursor, locked for this transaction; undefined while another dispatcher holds it. */
export async function lockDispatchCursor(db: Executor): Promise<{ txid: string; seq: string } | undefined> {
  const row = await db
    .selectFrom("webhook_dispatch_cursor")
    .select([sql<string>`txid::text`.as("txid"), sql<string>`seq::text`.as("seq")])
    .where("id", "=", "events")
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row;
}

/** Whether any endpoint of any tenant is enabled (the dispatcher has nothing to match otherwise). */
export async function anyEnabledEndpoint(db: Executor): Promise<boolean> {
  const row = await db.selectFrom("webhook_endpoints").select("id").where("enabled", "=", true).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function moveDispatchCursor(db: Executor, position: { txid: string; seq: string }): Promise<void> {
  await db
    .updateTable("webhook_dispatch_cursor")
    .set({ txid: position.txid, seq: position.seq, updated_at: sql<Date>`now()` })
    .where("id", "=", "events")
    .execute();
}

// ─── Workers: claiming endpoints ─────────────────────────────────────────────────────────────

/**
 * Claim up to `limit` enabled endpoints that have a delivery due, whole: while the lease holds,
 * no other worker sends to them, so each endpoint gets its events in order from one process.
 * FOR UPDATE SKIP LOCKED lets workers in any number of processes claim side by side; an endpoint
 * whose lease ran out (its worker died) is claimable again. Least recently claimed first.
 */
export async function claimEndpoints(
  db: Executor,
  options: { limit: number; leaseSeconds: number; leaseToken: string; tenantIds?: readonly string[] | undefined },
): Promise<WebhookEndpointRow[]> {
  const { limit, leaseSeconds, leaseToken, tenantIds } = options;
  if (limit <= 0 || (tenantIds !== undefined && tenantIds.length === 0)) return [];
  return db
    .with("claimable", (qb) => {
      let q = qb
        .selectFrom("webhook_endpoints as c")
        .select("c.id")
        .where("c.enabled", "=", true)
        .where((eb) => eb.or([eb("c.locked_until", "is", null), eb("c.locked_until", "<=", sql<Date>`now()`)]))
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom("webhook_deliveries as d")
              .select(sql`1`.as("one"))
              .whereRef("d.endpoint_id", "=", "c.id")
              .where("d.status", "=", "pending")
              .where("d.next_attempt_at", "<=", sql<Date>`now()`),
          ),
        );
      if (tenantIds !== undefined) q = q.where("c.tenant_id", "in", [...tenantIds]);
      return q.orderBy(sql`c.claimed_at nulls first`).limit(limit).forUpdate().skipLocked();
    })
    .updateTable("webhook_endpoints")
    .set({
      locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
      lease_token: leaseToken,
      claimed_at: sql<Date>`now()`,
    })
    .where("id", "in", (eb) => eb.selectFrom("claimable").select("claimable.id"))
    .returningAll()
    .execute();
}

/** Keep a live worker's endpoints from running out mid-batch (its heartbeat). */
export async function renewEndpointLeases(db: Executor, leaseTokens: readonly string[], leaseSeconds: number): Promise<void> {
  if (leaseTokens.length === 0) return;
  await db
    .updateTable("webhook_endpoints")
    .set({ locked_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where("lease_token", "in", [...leaseTokens])
    .execute();
}

export async function releaseEndpoint(db: Executor, id: string, leaseToken: string): Promise<void> {
  await db
    .updateTable("webhook_endpoints")
    .set({ locked_until: null, lease_token: null })
    .where("id", "=", id)
    .where("lease_token", "=", leaseToken)
    .execute();
}

/** The endpoint, locked, if the lease is still this worker's. */
export async function lockHeldEndpoint(db: Executor, id: string, leaseToken: string): Promise<WebhookEndpointRow | undefined> {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("id", "=", id)
    .where("lease_token", "=", leaseToken)
    .forUpdate()
    .executeTakeFirst();
}

// ─── Workers: deliveries ─────────────────────────────────────────────────────────────────────

export interface DueDelivery {
  id: string;
  event_id: string;
  attempts: number;
  /** Null when the event has left the log (pruned). */
  type: string | null;
  created_at: Date | null;
  data: unknown;
}

/** An endpoint's deliveries due now, in event order, with their events. */
export async function findDueDeliveries(db: Executor, endpointId: string, limit: number): Promise<DueDelivery[]> {
  return db
    .selectFrom("webhook_deliveries as d")
    .leftJoin("events as e", "e.id", "d.event_id")
    .select(["d.id", "d.event_id", "d.attempts", "e.type", "e.created_at", "e.data"])
    .where("d.endpoint_id", "=", endpointId)
    .where("d.status", "=", "pending")
    .where("d.next_attempt_at", "<=", sql<Date>`now()`)
    .orderBy("d.event_txid")
    .orderBy("d.event_seq")
    .orderBy("d.id")
    .limit(limit)
    .execute();
}

export interface DeliveryOutcome {
  id: string;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: Date | null;
  attempt: { at: Date; httpStatus: number | null; durationMs: number; error: string | null };
}

/** One batch's results: each delivery's new state and its attempt row, two statements. */
export async function recordOutcomes(db: Executor, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const values = sql.join(
    outcomes.map(
      (o) =>
        sql`(${o.id}, ${o.status}, ${o.nextAttemptAt}::timestamptz, ${o.attempt.httpStatus}::integer, ${o.attempt.durationMs}::integer, ${o.attempt.error})`,
    ),
  );
  await sql`
    with v (id, status, next_attempt_at, http_status, duration_ms, error) as (values ${values})
    update webhook_deliveries as d
    set status = v.status, next_attempt_at = v.next_attempt_at, attempts = d.attempts + 1,
        last_http_status = v.http_status, last_duration_ms = v.duration_ms, last_error = v.error, updated_at = now()
    from v where d.id = v.id`.execute(db);
  await db
    .insertInto("webhook_attempts")
    .values(
      outcomes.map((o) => ({
        delivery_id: o.id,
        attempted_at: o.attempt.at,
        http_status: o.attempt.httpStatus,
        duration_ms: o.attempt.durationMs,
        error: o.attempt.error,
      })),
    )
    .execute();
}

export async function setEndpointHealth(db: Executor, id: string, patch: WebhookEndpointUpdate): Promise<void> {
  await db.updateTable("webhook_endpoints").set(patch).where("id", "=", id).execute();
}

// ─── The deliveries API ──────────────────────────────────────────────────────────────────────

/** One page, newest first; one row more than asked, to tell whether another page follows. */
export async function listEndpointDeliveries(
  db: Executor,
  endpointId: string,
  page: { limit: number; before?: string | undefined; status?: string | undefined },
): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", endpointId);
  if (page.before !== undefined) q = q.where("id", "<", page.before);
  if (page.status !== undefined) q = q.where("status", "=", page.status as WebhookDeliveryRow["status"]);
  return q
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}

export async function findEndpointDelivery(
  db: Executor,
  endpointId: string,
  id: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("endpoint_id", "=", endpointId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function attemptsOf(db: Executor, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttemptRow[]>> {
  const byDelivery = new Map<string, WebhookAttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom("webhook_attempts")
    .selectAll()
    .where("delivery_id", "in", [...deliveryIds])
    .orderBy("delivery_id")
    .orderBy("id")
    .execute();
  for (const row of rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push(row);
    byDelivery.set(row.delivery_id, list);
  }
  return byDelivery;
}

/** Due now again, whatever it came to before. */
export async function requeueDelivery(db: Executor, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db
    .updateTable("webhook_deliveries")
    .set({ status: "pending", next_attempt_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("endpoint_id", "=", endpointId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes finished deliveries (and their attempts) older than `days`, a bounded batch at a time; how many went. */
export async function pruneFinishedDeliveries(db: Executor, days: number, batch = 5000): Promise<number> {
  const result = await sql<{ n: string }>`
    with doomed as (
      select id from webhook_deliveries
      where status <> 'pending' and updated_at < now() - make_interval(days => ${days}) limit ${batch}
    ), gone as (delete from webhook_deliveries where id in (select id from doomed) returning 1)
    select count(*)::text as n from gone`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
