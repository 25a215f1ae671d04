import http from "node:http";
import https from "node:https";
import type { MailroomEvent } from "@mailroom/contracts";
import { signedHeaders } from "./webhook-signature.js";
import { pinnedLookup, type TargetPolicy, vetTarget } from "./webhook-target.js";

/** Response bytes read at most; the rest is not waited for. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Response bytes kept with a failed attempt. */
const MAX_EXCERPT_BYTES = 1024;
export const USER_AGENT = "Mailroom-Webhooks/1";
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

/** What one HTTP attempt came to. */
export interface AttemptResult {
  at: Date;
  success: boolean;
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

export interface WebhookRequest {
  url: string;
  /** The current secret first; during a rotation the previous one too. */
  secrets: readonly string[];
  event: MailroomEvent;
}

/**
 * Signed POSTs over keep-alive connections. The target is checked on every attempt, and the
 * connection goes to the address that was checked.
 */
export class WebhookSender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly options: TargetPolicy & { timeoutMs?: number | undefined }) {}

  async send(request: WebhookRequest, timeoutMs = this.options.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS): Promise<AttemptResult> {
    const at = new Date();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(request.url);
    const target = await vetTarget(url, this.options);
    if (!target.ok) return { at, success: false, httpStatus: null, durationMs: elapsed(), error: `refused: ${target.reason}` };
    const body = JSON.stringify(request.event);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      ...signedHeaders(request.secrets, request.event.id, timestamp, body),
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "user-agent": USER_AGENT,
    };
    const outcome = await this.post(url, target, headers, body, { remainingMs: Math.max(1, timeoutMs - elapsed()), timeoutMs });
    const durationMs = elapsed();
    if ("error" in outcome) return { at, success: false, httpStatus: null, durationMs, error: outcome.error };
    const { status, excerpt, location } = outcome;
    if (status >= 200 && status < 300) return { at, success: true, httpStatus: status, durationMs, error: null };
    const why =
      status >= 300 && status < 400
        ? `HTTP ${status}: redirects are not followed${location ? ` (Location: ${location.slice(0, 200)})` : ""}`
        : `HTTP ${status}`;
    return { at, success: false, httpStatus: status, durationMs, error: excerpt ? `${why}: ${excerpt}` : why };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(
    url: URL,
    target: { address: string; family: 4 | 6 },
    headers: Record<string, string>,
    body: string,
    deadline: { remainingMs: number; timeoutMs: number },
  ): Promise<{ status: number; excerpt: string; location: string | undefined } | { error: string }> {
    return new Promise((resolve) => {
      const secure = url.protocol === "https:";
      const request = (secure ? https : http).request(url, {
        method: "POST",
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: pinnedLookup(target.address, target.family),
      });
      let response: { status: number; chunks: Buffer[]; bytes: number; location: string | undefined } | undefined;
      let settled = false;
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (response) {
          const excerpt = Buffer.concat(response.chunks).subarray(0, MAX_EXCERPT_BYTES).toString("utf8").trim();
          resolve({ status: response.status, excerpt, location: response.location });
        } else {
          resolve({ error: error ?? "no response" });
        }
      };
      // One deadline for the whole attempt (the target check included): connecting, sending, and
      // reading the answer; the message names the attempt's timeout, not what was left of it.
      const timer = setTimeout(() => {
        const reason = `timed out after ${deadline.timeoutMs} ms`;
        finish(reason);
        request.destroy(new Error(reason));
      }, deadline.remainingMs);
      request.on("response", (res) => {
        response = { status: res.statusCode ?? 0, chunks: [], bytes: 0, location: res.headers.location };
        const held = response;
        res.on("data", (chunk: Buffer) => {
          if (held.bytes < MAX_EXCERPT_BYTES) held.chunks.push(chunk);
          held.bytes += chunk.length;
          if (held.bytes >= MAX_RESPONSE_BYTES) {
            // Enough read: a receiver that streams forever does not hold the worker.
            finish();
            res.destroy();
          }
        });
        res.on("end", () => finish());
        res.on("error", () => finish());
        res.on("close", () => finish());
      });
      request.on("error", (err: NodeJS.ErrnoException) => finish(err.code ? `${err.code}: ${err.message}` : err.message));
      request.end(body);
    });
  }
}
