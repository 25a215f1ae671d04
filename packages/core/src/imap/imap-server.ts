import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type SecureContext } from "node:tls";
import type { CoreDeps } from "../deps.js";
import type { NewMailSignal } from "../messages/new-mail-signal.js";
import { type AdmissionRefusal, ClientAdmission } from "../net/client-admission.js";
import { ImapChangeHub } from "./imap-change-hub.js";
import { ImapConnection } from "./imap-connection.js";
import { ImapSession, type ImapContext } from "./imap-session.js";
import { statusResponse } from "./response-writer.js";

export interface ImapServer {
  /** The plain (STARTTLS) port. */
  port: number;
  /** The implicit-TLS port; null without a certificate. */
  tlsPort: number | null;
  /** Sessions open now, on both ports. */
  sessions(): number;
  /** Stops listening and ends every session with `* BYE`. */
  close(): Promise<void>;
}

export interface ImapListenOptions {
  host?: string;
  port?: number;
  tlsPort?: number;
}

/** How long shutdown lets sessions finish a response after their BYE before cutting them off. */
const SHUTDOWN_GRACE_MS = 5000;

/**
 * The IMAP listeners: IMAP_PORT (STARTTLS when a certificate is configured) and, with a certificate,
 * IMAPS_PORT (TLS from the first byte). Each connection is admitted by the same per-client limits as
 * the SMTP listeners (sessions per listener, per client, connections per minute) before it is greeted.
 */
const REFUSAL_TEXT: Record<AdmissionRefusal, string> = {
  sessions: "Too many sessions on this server; try again later",
  "sessions per client": "Too many sessions from your address; try again later",
  "connection rate per client": "Too many connections from your address; try again later",
};

export async function startImapServer(
  deps: CoreDeps,
  newMail: NewMailSignal,
  tls: { key: Buffer; cert: Buffer } | undefined,
  listen: ImapListenOptions = {},
): Promise<ImapServer> {
  const { imap } = deps.config;
  const log = deps.logger.child({ component: "imap" });
  const hub = new ImapChangeHub(deps, newMail);
  const secureContext: SecureContext | null = tls ? createSecureContext(tls) : null;
  const context: ImapContext = { deps, hub, log, tls: secureContext };
  const admission = new ClientAdmission(
    {
      maxSessions: imap.maxSessions,
      maxSessionsPerIp: imap.maxSessionsPerIp,
      connectionsPerIpPerMinute: deps.config.smtp.limits.connectionsPerIpPerMinute,
    },
    log,
    "imap",
  );
  const sessions = new Set<ImapSession>();

  const accept = (socket: Socket, secure: boolean) => {
    const id = randomUUID();
    socket.on("error", (err) => log.debug({ err: err.message }, "imap socket error"));
    const refusal = admission.admitClient(id, socket.remoteAddress ?? "");
    if (refusal) {
      socket.end(statusResponse(null, "BYE", REFUSAL_TEXT[refusal]));
      return;
    }
    const conn = new ImapConnection(socket, secure);
    const session = new ImapSession(context, conn, log.child({ session: id, ip: conn.ip }));
    sessions.add(session);
    socket.once("close", () => {
      admission.leave(id);
      sessions.delete(session);
      session.closed();
    });
    session.start().catch((err: unknown) => log.debug({ err }, "imap greeting failed"));
  };

  const plain = createServer((socket) => accept(socket, false));
  const servers: Server[] = [plain];
  const host = listen.host ?? imap.host;
  const port = await listenOn(plain, host, listen.port ?? imap.port);
  let tlsPort: number | null = null;
  if (tls) {
    const secure = createTlsServer({ key: tls.key, cert: tls.cert }, (socket) => accept(socket, true));
    secure.on("tlsClientError", (err) => log.debug({ err: err.message }, "imaps handshake failed"));
    servers.push(secure);
    tlsPort = await listenOn(secure, host, listen.tlsPort ?? imap.tlsPort);
  }
  log.info({ host, port, tlsPort, starttls: Boolean(tls) }, "imap listening");

  return {
    port,
    tlsPort,
    sessions: () => sessions.size,
    close: async () => {
      const closing = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      // A session in the middle of a long FETCH gets the grace period to finish it, then is cut off.
      const timer = setTimeout(() => {
        for (const session of sessions) session.conn.socket.destroy();
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      await Promise.all(
        [...sessions].map((session) => session.exclusive(() => session.bye("Server shutting down")).catch(() => undefined)),
      );
      await Promise.all(closing);
      clearTimeout(timer);
      await hub.close();
    },
  };
}

async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
