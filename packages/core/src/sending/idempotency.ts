import { createHash } from "node:crypto";
import { MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { Executor } from "../db/database.js";

/** How long a key answers with its first response. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function checkIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) throw new MailroomError("IDEMPOTENCY_KEY_INVALID");
}

/** The request's fingerprint: its JSON with object keys sorted, so key order does not matter. */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(stableJson(body)).digest("hex");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const reused = () => new MailroomError("IDEMPOTENCY_KEY_REUSED");

/** The first response to a live key, or undefined; a different body under the key → 409. */
export async function findReplay<T>(db: Executor, tenantId: string, key: string, hash: string): Promise<T | undefined> {
  const row = await db
    .selectFrom("idempotency_keys")
    .select(["request_hash", "response"])
    .where("tenant_id", "=", tenantId)
    .where("key", "=", key)
    .where("created_at", ">", sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) throw reused();
  return row.response as T;
}

/**
 * Claim the key inside the send's transaction. A concurrent request with the same key waits on
 * the primary key until this one commits or rolls back, then finds our row (→ replay or 409):
 * so one key sends at most once, however the requests race.
 */
export async function claimKey(trx: Executor, tenantId: string, key: string, hash: string, response: unknown): Promise<boolean> {
  await trx
    .deleteFrom("idempotency_keys")
    .where("tenant_id", "=", tenantId)
    .where("key", "=", key)
    .where("created_at", "<=", sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`)
    .execute();
  const inserted = await trx
    .insertInto("idempotency_keys")
    .values({ tenant_id: tenantId, key, request_hash: hash, response: JSON.stringify(response) })
    .onConflict((oc) => oc.columns(["tenant_id", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Drop keys past their window. */
export async function pruneIdempotencyKeys(db: Executor): Promise<number> {
  const result = await db
    .deleteFrom("idempotency_keys")
    .where("created_at", "<=", sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
