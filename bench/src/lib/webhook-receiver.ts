import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local webhook endpoint for benchmarks and drills: answers 204 to every POST and counts what
 * arrived by `webhook-id` (the event id, stable across retries), so duplicates can be told apart.
 */
export interface WebhookReceiver {
  url: string;
  /** Requests per event id. */
  readonly seen: Map<string, number>;
  /** Requests in all (duplicates included). */
  requests(): number;
  /** Resolves once `count` distinct events arrived, or rejects after `timeoutMs`. */
  waitForDistinct(count: number, timeoutMs: number): Promise<void>;
  /** Event ids of type `type` that arrived. */
  idsOfType(type: string): Set<string>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const seen = new Map<string, number>();
  const types = new Map<string, Set<string>>();
  let requests = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const id = String(req.headers["webhook-id"] ?? "");
      seen.set(id, (seen.get(id) ?? 0) + 1);
      try {
        const type = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { type: string }).type;
        if (!types.has(type)) types.set(type, new Set());
        types.get(type)!.add(id);
      } catch {
        // not JSON: counted, not typed
      }
      res.writeHead(204).end();
      for (const w of waiters.filter((x) => seen.size >= x.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    seen,
    requests: () => requests,
    idsOfType: (type) => types.get(type) ?? new Set(),
    waitForDistinct(count, timeoutMs) {
      if (seen.size >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${seen.size} of ${count} events arrived in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
