import { sleep } from "./env.js";

export interface SendLoadResult {
  /** The message id answered for each send that got a 2xx (undefined: no 2xx seen). */
  accepted: (string | undefined)[];
  acceptedCount: number;
  /** Status (or error) → how many sends ended with it, for everything that was not a 2xx. */
  refused: Map<string, number>;
  /** performance.now() of the first request and of the last answer. */
  startedAt: number;
  endedAt: number;
}

export interface SendLoadOptions {
  base: string;
  key: string;
  count: number;
  /** Requests in flight at once. */
  concurrency: number;
  body: (i: number) => unknown;
  /** Extra headers per send (the drill's Idempotency-Key, so its retries are safe). */
  headers?: ((i: number) => Record<string, string>) | undefined;
  /** Called when a send got its 2xx (the drill kills the server from here). */
  onAccepted?: ((i: number, messageId: string) => void) | undefined;
  /** Retry a send that got no answer or a 5xx/429 until this time (ms since epoch); default: no retry. */
  retryUntil?: number | undefined;
}

/**
 * POST /api/v1/send `count` times with `concurrency` requests in flight (keep-alive connections of
 * fetch's pool). A send is accepted only on a 2xx with a message id; a connection error or a 5xx
 * is retried while `retryUntil` allows (the drill's server is being restarted), 4xx never.
 */
export async function sendLoad(options: SendLoadOptions): Promise<SendLoadResult> {
  const { base, key, count, concurrency } = options;
  const accepted: (string | undefined)[] = new Array(count).fill(undefined);
  const refused = new Map<string, number>();
  let acceptedCount = 0;
  let next = 0;
  const startedAt = performance.now();
  const one = async (i: number) => {
    const payload = JSON.stringify(options.body(i));
    for (;;) {
      let outcome: string;
      try {
        const res = await fetch(`${base}/api/v1/send`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...options.headers?.(i) },
          body: payload,
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) {
          const id = (JSON.parse(text) as { message_id?: string }).message_id;
          if (id) {
            accepted[i] = id;
            acceptedCount++;
            options.onAccepted?.(i, id);
            return;
          }
          outcome = `${res.status} without message_id`;
        } else {
          outcome = `${res.status} ${text.slice(0, 120)}`;
          if (res.status < 500 && res.status !== 429) {
            refused.set(outcome, (refused.get(outcome) ?? 0) + 1);
            return;
          }
        }
      } catch (err) {
        outcome = `no answer: ${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)}`;
      }
      if (options.retryUntil === undefined || Date.now() > options.retryUntil) {
        refused.set(outcome, (refused.get(outcome) ?? 0) + 1);
        return;
      }
      await sleep(100);
    }
  };
  const worker = async () => {
    while (next < count) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { accepted, acceptedCount, refused, startedAt, endedAt: performance.now() };
}

export function describeRefused(refused: Map<string, number>): string {
  return [...refused].map(([what, n]) => `${n}× ${what}`).join("; ");
}
