import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import { touchApiKey } from "../keys/api-key.repository.js";

export const RATE_LIMIT_WINDOW_SECONDS = 60;

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the current window ends. */
  resetAt: Date;
  allowed: boolean;
}

/**
 * Count one request against `subject` in the current one-minute window. The count lives in the
 * database, keyed by the database's clock, so every API process on it shares one limit.
 */
export async function consumeRateLimit(
  deps: CoreDeps,
  subject: string,
  limit: number,
  keyId: string | null,
): Promise<RateLimitState> {
  const row = await (deps.countersDb ?? deps.db)
    .insertInto("rate_limit_windows")
    .values({ subject, window_start: sql<Date>`date_trunc('minute', now())`, count: 1 })
    .onConflict((oc) => oc.columns(["subject", "window_start"]).doUpdateSet({ count: sql<number>`rate_limit_windows.count + 1` }))
    .returning(["count", "window_start"])
    .executeTakeFirstOrThrow();
  return countedRequest(deps, row.count, row.window_start, limit, keyId);
}

/** What a request's number in its window means; the first of a window refreshes the key's last use. */
export async function countedRequest(
  deps: CoreDeps,
  count: number,
  windowStart: Date,
  limit: number,
  keyId: string | null,
): Promise<RateLimitState> {
  // Once a window is enough to keep last_used_at honest without a write per request.
  if (count === 1 && keyId) await touchApiKey(deps.db, keyId);
  return {
    limit,
    remaining: Math.max(0, limit - count),
    resetAt: new Date(windowStart.getTime() + RATE_LIMIT_WINDOW_SECONDS * 1000),
    allowed: count <= limit,
  };
}

/** Drop windows that can no longer matter. */
export async function pruneRateLimitWindows(deps: CoreDeps): Promise<number> {
  const result = await deps.db
    .deleteFrom("rate_limit_windows")
    .where("window_start", "<", sql<Date>`now() - interval '5 minutes'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
