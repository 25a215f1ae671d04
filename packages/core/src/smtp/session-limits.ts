import { isIP } from "node:net";
import type { SmtpLimits } from "@mailroom/contracts";
import type { Logger } from "pino";
import { plainIp } from "./smtp-replies.js";

const MINUTE_MS = 60_000;

/** Connections counted in the current minute and the one before, for a sliding one-minute estimate. */
interface RateWindow {
  start: number;
  count: number;
  previous: number;
}

/**
 * Who may hold a session on one SMTP listener, decided at connect: the listener's session cap,
 * sessions per client, new connections per client per minute; and, during a session, how many
 * unknown recipients it may try. Loopback is counted like anyone else. A client is its IPv4
 * address or its IPv6 /64, the block one subscriber gets.
 */
export class SessionLimits {
  private readonly sessionsByClient = new Map<string, number>();
  private readonly clientOf = new Map<string, string>();
  private readonly badRecipients = new Map<string, number>();
  private readonly rates = new Map<string, RateWindow>();
  private lastSweep = 0;

  constructor(
    private readonly limits: SmtpLimits,
    private readonly log: Logger,
  ) {}

  /** Sessions this listener holds now. */
  get sessions(): number {
    return this.clientOf.size;
  }

  /**
   * Count a new connection in, or say why not: the text of the 421 (its enhanced code first).
   * Every attempt counts towards the rate, refused ones too: a client hammering the port stays out.
   */
  admit(connectionId: string, remoteAddress: string): string | null {
    const ip = plainIp(remoteAddress);
    const client = clientKey(ip);
    const refuse = (reason: string, limit: number, text: string) => {
      this.log.info({ ip, reason, limit }, "smtp connection refused");
      return text;
    };
    const perMinute = this.limits.connectionsPerIpPerMinute;
    if (this.countConnection(client, Date.now()) > perMinute) {
      return refuse("connection rate per client", perMinute, "4.7.0 Too many connections from your address, slow down");
    }
    if (this.sessions >= this.limits.maxSessions) {
      return refuse("sessions", this.limits.maxSessions, "4.3.2 Too many connected clients, try again in a moment");
    }
    const open = this.sessionsByClient.get(client) ?? 0;
    if (open >= this.limits.maxSessionsPerIp) {
      return refuse("sessions per client", this.limits.maxSessionsPerIp, "4.7.0 Too many sessions from your address");
    }
    this.sessionsByClient.set(client, open + 1);
    this.clientOf.set(connectionId, client);
    return null;
  }

  /** The connection is gone (for any reason): its session no longer counts. */
  leave(connectionId: string): void {
    const client = this.clientOf.get(connectionId);
    this.badRecipients.delete(connectionId);
    if (client === undefined) return;
    this.clientOf.delete(connectionId);
    const open = (this.sessionsByClient.get(client) ?? 1) - 1;
    if (open > 0) this.sessionsByClient.set(client, open);
    else this.sessionsByClient.delete(client);
  }

  /**
   * One more unknown recipient refused in this session. True once the session is past the cap:
   * then the refusal becomes 421 and the session ends, so nobody learns our directory by guessing.
   */
  refusedRecipient(connectionId: string, ip: string): boolean {
    const count = (this.badRecipients.get(connectionId) ?? 0) + 1;
    this.badRecipients.set(connectionId, count);
    if (count <= this.limits.maxBadRecipients) return false;
    this.log.info({ ip: plainIp(ip), reason: "unknown recipients", limit: this.limits.maxBadRecipients }, "smtp session closed");
    return true;
  }

  /** This connection counted in its client's window; the estimate of connections in the last minute. */
  private countConnection(client: string, now: number): number {
    this.sweep(now);
    const start = now - (now % MINUTE_MS);
    let window = this.rates.get(client);
    if (!window || window.start < start - MINUTE_MS) window = { start, count: 0, previous: 0 };
    else if (window.start < start) window = { start, count: 0, previous: window.count };
    window.count += 1;
    this.rates.set(client, window);
    return window.previous * (1 - (now - start) / MINUTE_MS) + window.count;
  }

  /** Windows that can no longer refuse anybody are dropped, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < MINUTE_MS) return;
    this.lastSweep = now;
    const current = now - (now % MINUTE_MS);
    for (const [client, window] of this.rates) if (window.start < current - MINUTE_MS) this.rates.delete(client);
  }
}

/** `192.0.2.1` → itself; `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`. */
export function clientKey(ip: string): string {
  const address = ip.split("%")[0] ?? ip;
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
