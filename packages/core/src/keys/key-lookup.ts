import type { CoreDeps } from "../deps.js";
import { findKeyAndCountRequests, type KeyWithTenantCounted } from "./api-key.repository.js";

interface Waiting {
  resolve: (found: KeyWithTenantCounted | undefined) => void;
  reject: (err: unknown) => void;
}

export type KeyLookup = (secretHash: string) => Promise<KeyWithTenantCounted | undefined>;

/**
 * Key look-ups with their rate-limit counts, batched per key: requests presenting the same key
 * while its previous look-up is in flight (or in the same turn of the event loop) share the next
 * statement, which adds all of them to the window's count at once. So a busy key costs one
 * round trip per batch instead of one per request, and its counter row is never updated by two
 * statements of this process at once. Counts stay exact across processes: each request gets
 * its own number in the window from the database's total.
 */
export function createKeyLookup(deps: CoreDeps): KeyLookup {
  const db = deps.countersDb ?? deps.db;
  const waiting = new Map<string, Waiting[]>();
  const inFlight = new Set<string>();
  const scheduled = new Set<string>();

  function schedule(hash: string): void {
    if (scheduled.has(hash) || inFlight.has(hash)) return;
    scheduled.add(hash);
    setImmediate(() => {
      scheduled.delete(hash);
      void flush(hash);
    });
  }

  async function flush(hash: string): Promise<void> {
    const batch = waiting.get(hash);
    if (!batch || batch.length === 0 || inFlight.has(hash)) return;
    waiting.delete(hash);
    inFlight.add(hash);
    try {
      const found = await findKeyAndCountRequests(db, hash, batch.length);
      // The database counted the batch together: hand out its numbers in arrival order.
      for (const [i, w] of batch.entries()) {
        w.resolve(found && found.count > 0 ? { ...found, count: found.count - batch.length + 1 + i } : found);
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      inFlight.delete(hash);
      if (waiting.has(hash)) schedule(hash);
    }
  }

  return (secretHash) =>
    new Promise((resolve, reject) => {
      const list = waiting.get(secretHash) ?? [];
      if (list.length === 0) waiting.set(secretHash, list);
      list.push({ resolve, reject });
      schedule(secretHash);
    });
}
