import type { DnsResolver } from "mailauth";

/** Answers and "no such record" are kept this long; a sender's fresh DNS change waits at most this. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;
/** Errors that say what DNS holds (cacheable), as opposed to failing to ask it (SERVFAIL, timeouts). */
const DEFINITE = new Set(["ENOTFOUND", "ENODATA"]);

interface Entry {
  expires: number;
  answer: Promise<unknown>;
}

/**
 * A resolver that remembers answers for a minute and asks once for concurrent identical questions.
 * Mail from one sender repeats the same SPF and DMARC look-ups for every message.
 */
export function cachingResolver(resolve: DnsResolver, now: () => number = Date.now): DnsResolver {
  const cache = new Map<string, Entry>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.answer as ReturnType<DnsResolver>;
    if (hit) cache.delete(key);
    const answer = resolve(name, rrtype);
    cache.set(key, { expires: now() + TTL_MS, answer });
    answer.catch((err: { code?: string }) => {
      if (!DEFINITE.has(err?.code ?? "")) cache.delete(key);
    });
    if (cache.size > MAX_ENTRIES) {
      // Oldest first: Map keeps insertion order.
      for (const k of cache.keys()) {
        cache.delete(k);
        if (cache.size <= MAX_ENTRIES * 0.9) break;
      }
    }
    return answer as ReturnType<DnsResolver>;
  };
}
