import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { SMTPServerAddress, SMTPServerSession } from "smtp-server";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { checkAuthentication, createDnsResolver } from "../messages/auth-checks.js";
import { parseMessage } from "../messages/message-parser.js";
import { createGroupCommit } from "../messages/group-commit.js";
import type { AcceptedRecipient } from "../messages/message-store.js";
import type { NewMailSignal } from "../messages/new-mail-signal.js";
import { holdMessage, type HeldMessage, type MessageMemory, type MessageMemoryStats } from "./message-spool.js";
import { MxSmtpServer } from "./mx-server.js";
import { receivedHeader } from "./received-header.js";
import { batchedRecipientRule } from "./recipient-policy.js";
import { SessionLimits } from "./session-limits.js";
import { messageFailureReply, SHUTDOWN_GRACE_MS, smtpError } from "./smtp-replies.js";
import { plainIp } from "../net/client-address.js";

/** RFC 5321 asks servers to take at least 100 recipients; more in one transaction → 452, send the rest later. */
export const MAX_RECIPIENTS = 100;

/** What a listener holds now: for operators and for tests that check the limits without measuring RSS. */
export interface SmtpListenerStats extends MessageMemoryStats {
  /** Sessions open on this listener. */
  sessions: number;
}

export interface SmtpReceiver {
  port: number;
  stats(): SmtpListenerStats;
  /** Stop accepting; idle sessions get 421 now, sessions in DATA finish first. */
  close(): Promise<void>;
}

/**
 * The MX: receives mail for our domains over SMTP and stores it. Each recipient is decided at
 * RCPT; DATA is answered 250 only once every copy is committed, 451 when the database fails.
 */
export async function startSmtpReceiver(
  deps: CoreDeps,
  signal: NewMailSignal | undefined,
  memory: MessageMemory,
  listenOn: { host: string; port: number } = deps.config.smtp,
): Promise<SmtpReceiver> {
  const { config, logger } = deps;
  const log = logger.child({ component: "smtp-mx" });
  const resolver = createDnsResolver(config.dnsServers);
  const groupCommit = createGroupCommit(deps, signal);
  const decideRecipient = batchedRecipientRule(deps);
  const accepted = new WeakMap<SMTPServerAddress, AcceptedRecipient>();
  const inData = new Set<string>();
  let stopping = false;

  const tls = config.smtp.tls
    ? { key: readFileSync(config.smtp.tls.keyPath), cert: readFileSync(config.smtp.tls.certPath) }
    : undefined;

  const limits = new SessionLimits(config.smtp.limits, log);
  const server: MxSmtpServer = new MxSmtpServer(
    {
      name: config.hostname,
      banner: "Mailroom",
      size: config.smtp.maxMessageBytes,
      // Over SIZE is refused with 552 whatever onData says; onData also drops it unstored.
      rejectOversized: true,
      maxRecipients: MAX_RECIPIENTS,
      // An MX takes mail from anyone for its own domains: no AUTH here (that is the submission port).
      authOptional: true,
      disabledCommands: tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
      ...(tls ?? {}),
      // RFC 3463 codes on every reply (5.7.1 for a refused relay, 5.1.1 for an unknown mailbox, …).
      hideENHANCEDSTATUSCODES: false,
      disableReverseLookup: true,
      closeTimeout: SHUTDOWN_GRACE_MS,
      maxClients: config.smtp.limits.maxSessions,
      socketTimeout: config.smtp.limits.idleTimeoutMs,
      logger: false,

      onRcptTo(address, session, reply) {
        const callback = server.countRefusedRecipients(session, reply);
        decideRecipient(address.address).then(
          (decision) => {
            if (decision.kind === "mailbox") {
              const { mailboxId, tenantId, tag, domainId } = decision;
              accepted.set(address, { address: decision.address, mailboxId, tenantId, tag, domainId });
              return callback();
            }
            const domain = decision.address.slice(decision.address.lastIndexOf("@") + 1);
            log.info({ session: session.id, domain, reason: decision.kind }, "recipient refused");
            callback(
              decision.kind === "foreign"
                ? smtpError(550, `5.7.1 <${address.address}>: Relay access denied`)
                : smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: no such mailbox here`),
            );
          },
          (err: unknown) => {
            log.error({ err, session: session.id }, "recipient check failed");
            callback(smtpError(451, "4.3.0 Temporary failure checking the recipient, try again later"));
          },
        );
      },

      onData(stream, session, callback) {
        inData.add(session.id);
        server.watchData(stream, session);
        const finish = (err: Error | null, reply?: string) => {
          inData.delete(session.id);
          callback(err, reply);
          if (stopping) setImmediate(() => hangUp(session.id));
        };
        holdMessage(stream, config.smtp.maxMessageBytes, memory).then(
          (held) => {
            if (!held) {
              log.info({ session: session.id, limit: config.smtp.maxMessageBytes }, "message over the size limit refused");
              return finish(smtpError(552, `5.3.4 Message too big: the limit is ${config.smtp.maxMessageBytes} bytes`));
            }
            const context = { session: session.id, ip: plainIp(session.remoteAddress), size: held.size };
            deliver(held, session)
              .finally(() => held.release())
              .then(
                (id) => finish(null, `Ok: stored as ${id}`),
                (err: unknown) => finish(messageFailureReply(err, log, context)),
              );
          },
          (err: unknown) => {
            // Mostly a client that left or hit the DATA deadline (logged there); a spool file failing is ours.
            log.info({ err: err instanceof Error ? err.message : String(err), session: session.id }, "reading DATA failed");
            finish(smtpError(451, "4.3.0 Error reading the message, try again later"));
          },
        );
      },
    },
    { greetPauseMs: config.smtp.greetPauseMs, limits, dataTimeoutMs: config.smtp.limits.dataTimeoutMs, log },
  );
  server.on("error", (err) => log.warn({ err: err.message }, "smtp connection error"));

  /** Auth checks on the bytes as received, our headers on top, parse, store (group commit): then, and only then, 250. */
  async function deliver(held: HeldMessage, session: SMTPServerSession): Promise<string> {
    const original = await held.bytes();
    const recipients = session.envelope.rcptTo.map((a) => accepted.get(a)).filter((r): r is AcceptedRecipient => r !== undefined);
    const id = newId("message");
    const ip = plainIp(session.remoteAddress);
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
    const auth = await checkAuthentication(deps, resolver, original, {
      ip,
      helo: session.hostNameAppearsAs,
      sender: mailFrom,
    });
    const received = receivedHeader({
      helo: session.hostNameAppearsAs,
      ip,
      hostname: config.hostname,
      protocol: session.transmissionType,
      id,
      recipients: recipients.map((r) => r.address),
      date: new Date(),
    });
    const raw = Buffer.concat([Buffer.from(auth.headers + received, "utf8"), original]);
    const parsed = await parseMessage(raw);
    await groupCommit.store({
      id,
      raw,
      envelopeFrom: mailFrom || null,
      recipients,
      parsed,
      auth: auth.results,
    });
    return id;
  }

  function hangUp(sessionId: string): void {
    for (const connection of server.connections) {
      if (connection.id !== sessionId || inData.has(sessionId)) continue;
      connection.send(421, `${config.hostname} Service shutting down`, false);
      connection.close();
    }
  }

  server.listen(listenOn.port, listenOn.host);
  await new Promise<void>((resolve, reject) => {
    server.server.once("listening", resolve);
    server.server.once("error", reject);
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: listenOn.host, port, starttls: Boolean(tls) }, "smtp receiver listening");

  return {
    port,
    stats: () => ({ sessions: limits.sessions, ...memory.stats() }),
    close: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        server.close(() => resolve());
        for (const connection of [...server.connections]) hangUp(connection.id);
      }),
  };
}
