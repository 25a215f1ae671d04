import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { CoreDeps } from "../deps.js";
import { clearTextLoginAllowed } from "../mailboxes/mailbox-login.js";
import { type AdmissionRefusal, ClientAdmission } from "../net/client-admission.js";
import { plainIp } from "../net/client-address.js";
import { LineReader, type ReadLine } from "./pop3-commands.js";
import { pop3Store } from "./pop3-mailbox.js";
import { type Pop3Channel, type Pop3Reply, Pop3Session, type Pop3Store } from "./pop3-session.js";

export interface Pop3Server {
  /** The plain POP3 port (STLS offered with a certificate); null when not started. */
  port: number | null;
  /** The POP3S (implicit TLS) port; null when not started. */
  tlsPort: number | null;
  /** Sessions open now on both ports together. */
  stats(): { sessions: number };
  close(): Promise<void>;
}

export interface Pop3ListenOn {
  host: string;
  port: number | null;
  tlsPort: number | null;
}

/** Lines a client may have queued (pipelining) before we stop reading from it until they are answered. */
const MAX_QUEUED_LINES = 64;
/** How long a client has to read our last line after we hang up, before the socket is destroyed. */
const HANG_UP_GRACE_MS = 2000;
/** How long shutdown lets a session finish what it is doing (a RETR, the QUIT's deletions). */
const SHUTDOWN_GRACE_MS = 10_000;

const REFUSAL_TEXT: Record<AdmissionRefusal, string> = {
  "connection rate per client": "-ERR [SYS/TEMP] Too many connections from your address, slow down",
  sessions: "-ERR [SYS/TEMP] Too many connected clients, try again in a moment",
  "sessions per client": "-ERR [SYS/TEMP] Too many sessions from your address",
};

/**
 * POP3 for mail clients: the plain port (STLS with a certificate) and POP3S, on SMTP_HOST. Both
 * share one set of session limits (MAILROOM_POP3_*). Each connection reads lines, hands them to
 * its session one at a time, and writes replies with the socket's backpressure respected.
 */
export async function startPop3Server(
  deps: CoreDeps,
  tls: { key: Buffer; cert: Buffer } | undefined,
  listenOn: Pop3ListenOn = deps.config.pop3,
): Promise<Pop3Server> {
  const log = deps.logger.child({ component: "pop3" });
  const limits = deps.config.pop3.limits;
  const admission = new ClientAdmission(limits, log, "pop3");
  const secureContext = tls ? createSecureContext({ key: tls.key, cert: tls.cert }) : undefined;
  const store = pop3Store(deps);
  const connections = new Set<Pop3Connection>();
  let nextId = 0;

  const accept = (implicitTls: boolean) => (socket: Socket) => {
    const id = `pop3-${++nextId}`;
    const ip = plainIp(socket.remoteAddress ?? "");
    socket.on("error", (error) => log.debug({ ip, err: error.message }, "pop3 socket error"));
    const refusal = admission.admitClient(id, ip);
    if (refusal) {
      socket.end(`${REFUSAL_TEXT[refusal]}\r\n`);
      setTimeout(() => socket.destroy(), HANG_UP_GRACE_MS).unref();
      return;
    }
    const connection = new Pop3Connection(socket, { ip, store, log, secureContext, idleTimeoutMs: limits.idleTimeoutMs, deps });
    connections.add(connection);
    socket.once("close", () => {
      admission.leave(id);
      connections.delete(connection);
    });
    connection.start(implicitTls);
  };

  const servers: Server[] = [];
  const listen = async (port: number, implicitTls: boolean): Promise<number> => {
    const server = createServer(accept(implicitTls));
    server.on("error", (error) => log.warn({ err: error.message }, "pop3 server error"));
    servers.push(server);
    server.listen(port, listenOn.host);
    await Promise.race([once(server, "listening"), once(server, "error").then(([error]) => Promise.reject(error))]);
    return (server.address() as AddressInfo).port;
  };

  const closeAll = async () => {
    // net.Server#close waits for every connection to end: end the sessions alongside it, not after.
    const stopped = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const sessions = [...connections];
    for (const connection of sessions) connection.shutdown();
    const timer = setTimeout(() => {
      for (const connection of sessions) connection.destroy();
    }, SHUTDOWN_GRACE_MS);
    await Promise.all([stopped, ...sessions.map((c) => c.closed)]);
    clearTimeout(timer);
  };

  try {
    const port = listenOn.port === null ? null : await listen(listenOn.port, false);
    const tlsPort = listenOn.tlsPort === null || !tls ? null : await listen(listenOn.tlsPort, true);
    log.info({ host: listenOn.host, port, tlsPort, stls: Boolean(tls) }, "pop3 listening");
    return { port, tlsPort, stats: () => ({ sessions: admission.sessions }), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

interface ConnectionContext {
  ip: string;
  store: Pop3Store;
  log: Logger;
  secureContext: SecureContext | undefined;
  idleTimeoutMs: number;
  deps: CoreDeps;
}

/** One client connection: the socket (plain, then perhaps TLS), the line reader and the session. */
class Pop3Connection {
  private socket: Socket;
  private readonly reader = new LineReader();
  private readonly queue: ReadLine[] = [];
  private readonly session: Pop3Session;
  private readonly channel: Pop3Channel;
  private busy = false;
  private ended = false;
  private stopping = false;
  readonly closed: Promise<void>;
  private readonly onData = (chunk: Buffer) => this.received(chunk);

  constructor(
    socket: Socket,
    private readonly context: ConnectionContext,
  ) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.once("close", () => {
      this.ended = true;
    });
    const { deps, ip } = context;
    const channel: Pop3Channel = {
      ip,
      secure: false,
      tlsAvailable: context.secureContext !== undefined,
      loginAllowed: () => clearTextLoginAllowed(deps, { secure: channel.secure, remoteAddress: ip }),
    };
    this.channel = channel;
    this.session = new Pop3Session(context.store, channel, context.log);
  }

  start(implicitTls: boolean): void {
    this.watchIdle(this.socket);
    if (!implicitTls) {
      this.listen();
      this.socket.write(`${this.session.greeting()}\r\n`);
      return;
    }
    this.upgrade(() => this.socket.write(`${this.session.greeting()}\r\n`));
  }

  /** Shutdown: a session between commands ends now; one in a command ends once it is answered. */
  shutdown(): void {
    this.stopping = true;
    if (!this.busy) this.hangUp("-ERR [SYS/TEMP] Server shutting down");
  }

  destroy(): void {
    this.socket.destroy();
  }

  private listen(): void {
    this.socket.on("data", this.onData);
  }

  private readonly onIdle = () => {
    this.context.log.info({ ip: this.context.ip, reason: "idle", limitMs: this.context.idleTimeoutMs }, "pop3 session closed");
    this.hangUp("-ERR Autologout: idle for too long");
  };

  /** RFC 1939's autologout timer; it also bounds a TLS handshake and a client that stops reading. */
  private watchIdle(socket: Socket): void {
    socket.setTimeout(this.context.idleTimeoutMs);
    socket.on("timeout", this.onIdle);
  }

  private unwatchIdle(socket: Socket): void {
    socket.setTimeout(0);
    socket.off("timeout", this.onIdle);
  }

  /** End the session, after a last line when there is one. */
  private hangUp(line?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (line === undefined) this.socket.end();
    else this.socket.end(`${line}\r\n`);
    // A client that does not read what is left must not keep the socket.
    setTimeout(() => this.socket.destroy(), HANG_UP_GRACE_MS).unref();
  }

  private received(chunk: Buffer): void {
    this.queue.push(...this.reader.push(chunk));
    if (this.queue.length > MAX_QUEUED_LINES) this.socket.pause();
    void this.pump();
  }

  /** Answer queued lines in order, one at a time (PIPELINING). */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let line = this.queue.shift(); line !== undefined && !this.ended; line = this.queue.shift()) {
        const reply = await this.answer(line);
        await this.write(reply);
        if (this.ended) break;
        if (reply.after === "close") this.hangUp();
        else if (reply.after === "starttls") this.startTls();
        else if (this.stopping) this.hangUp("-ERR [SYS/TEMP] Server shutting down");
      }
    } catch (error) {
      // A reply cut short (the database went away mid-message) cannot be finished: end the session.
      this.context.log.warn({ ip: this.context.ip, err: error }, "pop3 reply failed; closing the session");
      this.socket.destroy();
    } finally {
      this.busy = false;
    }
    if (!this.ended && this.socket.isPaused() && this.queue.length === 0) this.socket.resume();
  }

  private async answer(line: ReadLine): Promise<Pop3Reply> {
    try {
      return await this.session.handle(line);
    } catch (error) {
      this.context.log.error({ ip: this.context.ip, err: error }, "pop3 command failed");
      return { line: "-ERR [SYS/TEMP] Temporary failure, try again later" };
    }
  }

  private async write(reply: Pop3Reply): Promise<void> {
    await this.send(Buffer.from(`${reply.line}\r\n`, "utf8"));
    if (!reply.body) return;
    for await (const chunk of reply.body) {
      if (this.ended) return;
      await this.send(chunk);
    }
  }

  /** Write, and wait while the socket's buffer is full (a slow reader holds one slice, not a message). */
  private async send(bytes: Buffer): Promise<void> {
    if (this.ended || this.socket.write(bytes)) return;
    const socket = this.socket;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off("drain", done);
        socket.off("close", done);
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
    });
  }

  /** STLS: what the client sent in clear text after the command is dropped (RFC 2595 section 4). */
  private startTls(): void {
    this.socket.off("data", this.onData);
    this.queue.length = 0;
    this.reader.reset();
    this.upgrade(() => this.session.secured());
  }

  private upgrade(onSecure: () => void): void {
    const plain = this.socket;
    plain.off("data", this.onData);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.context.secureContext });
    this.socket = secure;
    // From here the TLS socket is the one that sees activity; it also times the handshake.
    this.unwatchIdle(plain);
    this.watchIdle(secure);
    secure.on("error", (error) => {
      this.context.log.info({ ip: this.context.ip, err: error.message }, "pop3 tls failed");
      plain.destroy();
    });
    secure.once("secure", () => {
      this.channel.secure = true;
      this.listen();
      onSecure();
    });
  }
}
