import type { Logger } from "pino";
import { clientKey, plainIp } from "./client-address.js";

const MINUTE_MS = 60_000;

/** What one listener admits; each protocol's config fills it. */
export interface AdmissionLimits {
  /** Sessions open at once on one listener. */
  maxSessions: number;
  /** Sessions open at once from one client (IPv4 address, IPv6 /64) on one listener. */
  maxSessionsPerIp: number;
  /** New connections from one client in any 60 seconds, on one listener. */
  connectionsPerIpPerMinute: number;
}

/** Why a connection was turned away; each protocol words its own reply. */
export type AdmissionRefusal = "connection rate per client" | "sessions" | "sessions per client";

/** Connections counted in the current minute and the one before, for a sliding one-minute estimate. */
interface RateWindow {
  start: number;
  count: number;
  previous: number;
}

/**
 * Who may hold a session on one listener (SMTP, POP3), decided at connect: the listener's session
 * cap, sessions per client, new connections per client per minute. Loopback is counted like anyone
 * else. A client is its IPv4 address or its IPv6 /64, the block one subscriber gets. Per process.
 */
export class ClientAdmission {
  private readonly sessionsByClient = new Map<string, number>();
  private readonly clientOf = new Map<string, string>();
  private readonly rates = new Map<string, RateWindow>();
  private lastSweep = 0;

  constructor(
    private readonly admission: AdmissionLimits,
    protected readonly log: Logger,
    /** Names the listener's protocol in log lines (`smtp connection refused`). */
    private readonly protocol: string,
  ) {}

  /** Sessions this listener holds now. */
  get sessions(): number {
    return this.clientOf.size;
  }

  /**
   * Count a new connection in, or say why not. Every attempt counts towards the rate, refused
   * ones too: a client hammering the port stays out.
   */
  admitClient(connectionId: string, remoteAddress: string): AdmissionRefusal | null {
    const ip = plainIp(remoteAddress);
    const client = clientKey(ip);
    const refuse = (reason: AdmissionRefusal, limit: number) => {
      this.log.info({ ip, reason, limit }, `${this.protocol} connection refused`);
      return reason;
    };
    const perMinute = this.admission.connectionsPerIpPerMinute;
    if (this.countConnection(client, Date.now()) > perMinute) return refuse("connection rate per client", perMinute);
    if (this.sessions >= this.admission.maxSessions) return refuse("sessions", this.admission.maxSessions);
    const open = this.sessionsByClient.get(client) ?? 0;
    if (open >= this.admission.maxSessionsPerIp) return refuse("sessions per client", this.admission.maxSessionsPerIp);
    this.sessionsByClient.set(client, open + 1);
    this.clientOf.set(connectionId, client);
    return null;
  }

  /** The connection is gone (for any reason): its session no longer counts. */
  leave(connectionId: string): void {
    const client = this.clientOf.get(connectionId);
    if (client === undefined) return;
    this.clientOf.delete(connectionId);
    const open = (this.sessionsByClient.get(client) ?? 1) - 1;
    if (open > 0) this.sessionsByClient.set(client, open);
    else this.sessionsByClient.delete(client);
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
