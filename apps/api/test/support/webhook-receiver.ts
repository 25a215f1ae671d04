import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

/** What the receiver answers to request number `n` (0-based); default 200. */
export type Responder = (n: number, req: ReceivedRequest, res: ServerResponse) => void;

/** A local HTTP endpoint on 127.0.0.1 that records every request it gets. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private constructor(
    private readonly server: Server,
    private responder: Responder,
  ) {}

  static async start(responder: Responder = (_n, _req, res) => res.end("ok")): Promise<WebhookReceiver> {
    const holder: { receiver?: WebhookReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const received = {
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        };
        const r = holder.receiver!;
        r.requests.push(received);
        r.responder(r.requests.length - 1, received, res);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    holder.receiver = new WebhookReceiver(server, responder);
    return holder.receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  /** The parsed bodies (events) received, in order. */
  events(): { id: string; type: string; timestamp: string; data: Record<string, unknown> }[] {
    return this.requests.map((r) => JSON.parse(r.body));
  }

  async waitFor(predicate: (r: WebhookReceiver) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met; ${this.requests.length} requests so far`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Standard Webhooks headers as `Webhook.verify` takes them. */
export function webhookHeaders(req: ReceivedRequest): Record<string, string> {
  return {
    "webhook-id": String(req.headers["webhook-id"]),
    "webhook-timestamp": String(req.headers["webhook-timestamp"]),
    "webhook-signature": String(req.headers["webhook-signature"]),
  };
}
