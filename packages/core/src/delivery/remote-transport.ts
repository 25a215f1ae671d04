import nodemailer from "nodemailer";
import type { MailroomConfig } from "@mailroom/contracts";
import { lookupMx } from "./mx-resolver.js";
import type { AttemptOutcome } from "./retry-schedule.js";

export interface RemoteEnvelope {
  /** MAIL FROM; empty for the null sender. */
  from: string;
  to: string;
}

/** Hands one recipient's copy to another server. Never throws: every failure is an outcome. */
export type RemoteTransport = ((envelope: RemoteEnvelope, raw: Buffer) => Promise<AttemptOutcome>) & {
  /** Release kept connections (the smarthost pool). */
  close?: () => void;
};

const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 };

/** Through the smarthost when SMTP_RELAY_URL is set, otherwise to the recipient domain's MX. */
export function createRemoteTransport(config: MailroomConfig): RemoteTransport {
  const relay = config.sending.relay;
  if (relay) {
    // One smarthost: keep a pool of connections to it instead of a new session per recipient.
    const pool = nodemailer.createTransport({
      pool: true,
      maxConnections: Math.max(1, Math.min(config.sending.concurrency, 20)),
      maxMessages: 1000,
      host: relay.host,
      port: relay.port,
      secure: relay.secure,
      name: config.hostname,
      ...(relay.user ? { auth: { user: relay.user, pass: relay.pass ?? "" } } : {}),
      ...TIMEOUTS,
    } as never);
    const send: RemoteTransport = (envelope, raw) => handOver(pool, envelope, raw);
    send.close = () => pool.close();
    return send;
  }
  return async (envelope, raw) => {
    const domain = envelope.to.slice(envelope.to.lastIndexOf("@") + 1);
    const lookup = await lookupMx(domain, config.dnsServers);
    if (lookup.kind === "none") return { kind: "permanent", response: lookup.reason };
    if (lookup.kind === "temporary") return { kind: "temporary", response: lookup.reason };
    let outcome: AttemptOutcome = { kind: "temporary", response: `no mail host for ${domain} answered` };
    for (const host of lookup.hosts) {
      outcome = await sendVia(
        {
          host: host.address,
          port: config.sending.mxPort,
          secure: false,
          name: config.hostname,
          // Opportunistic STARTTLS, as MTAs do: use it when offered, never insist on a valid
          // certificate (MX certificates rarely match), and go on in clear text if the upgrade fails.
          opportunisticTLS: true,
          tls: { rejectUnauthorized: false, ...(host.name !== host.address ? { servername: host.name } : {}) },
          ...TIMEOUTS,
        },
        envelope,
        raw,
      );
      // A host that answered decided; only a host we could not talk to sends us to the next one.
      if (outcome.kind !== "temporary" || outcome.response.startsWith("4")) return outcome;
    }
    return outcome;
  };
}

async function sendVia(
  options: Parameters<typeof nodemailer.createTransport>[0] & object,
  envelope: RemoteEnvelope,
  raw: Buffer,
): Promise<AttemptOutcome> {
  const transport = nodemailer.createTransport(options as never);
  try {
    return await handOver(transport, envelope, raw);
  } finally {
    transport.close();
  }
}

async function handOver(
  transport: ReturnType<typeof nodemailer.createTransport>,
  envelope: RemoteEnvelope,
  raw: Buffer,
): Promise<AttemptOutcome> {
  try {
    const info = (await transport.sendMail({
      envelope: { from: envelope.from, to: [envelope.to] },
      raw,
    })) as { response?: string; rejected?: unknown[] };
    if (info.rejected && info.rejected.length > 0) {
      return { kind: "permanent", response: info.response ?? "recipient rejected" };
    }
    return { kind: "delivered", response: info.response ?? "250 accepted" };
  } catch (err) {
    return classifyFailure(err);
  }
}

/** 5xx → permanent (bounce); 4xx, and anything without a reply (connection, timeout, TLS), → temporary. */
export function classifyFailure(err: unknown): AttemptOutcome {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  if (typeof e.responseCode === "number") {
    const response = (e.response ?? `${e.responseCode}`).trim();
    // 503 is "bad sequence of commands": a session problem, not a verdict on the message.
    const permanent = e.responseCode >= 500 && e.responseCode !== 503;
    return { kind: permanent ? "permanent" : "temporary", response };
  }
  return { kind: "temporary", response: `connection failed: ${e.code ?? ""} ${e.message ?? String(err)}`.trim() };
}
