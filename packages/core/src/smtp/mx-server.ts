import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { SMTPConnection, type SMTPConnectionOptions } from "smtp-server/lib/smtp-connection.js";
import type { SessionLimits } from "./session-limits.js";
import { smtpError } from "./smtp-replies.js";
import { plainIp } from "../net/client-address.js";

/** `5.7.1 …`: a reply text that carries its own enhanced status code. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

export interface ListenerGuards {
  /** Pause before the greeting (0 allowed). */
  greetPauseMs: number;
  limits: SessionLimits;
  /** Time from the 354 to the final dot. */
  dataTimeoutMs: number;
  log: Logger;
}

/**
 * smtp-server as both our listeners (MX and submission) use it, with what the library does not
 * make configurable:
 *
 * - The pause before the greeting. The library waits a hard-coded 100 ms in
 *   SMTPConnection#init so that a client talking before the banner (a spam bot) is refused with
 *   "421 You talk too soon". Here it is `greetPauseMs` (0 allowed). connect() and the init step are
 *   the library's own few lines, with only the delay changed, so no fork is needed.
 * - Admission by SessionLimits before the pause (per-client sessions and connection rate, the
 *   session cap), so a flood of sockets is refused before anything is spent on it.
 * - A deadline for the whole of DATA: the idle timeout restarts with every byte, so a client
 *   trickling a message could otherwise hold its session for ever.
 * - Enhanced status codes. The library derives them from the reply code alone (every 550 is
 *   5.1.1), but a refused relay must say 5.7.1: a reply text that starts with its own enhanced
 *   code is sent as it is.
 */
export class MxSmtpServer extends SMTPServer {
  readonly greetPauseMs: number;

  constructor(
    options: SMTPServerOptions,
    private readonly guards: ListenerGuards,
  ) {
    super(options);
    this.greetPauseMs = guards.greetPauseMs;
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new SMTPConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on("error", (err: Error) => this._onError(err));
    connection.on("connect", (data: Parameters<SMTPServer["_onClientConnect"]>[0]) => this._onClientConnect(data));

    const send = connection.send.bind(connection);
    connection.send = (code, data, context) => {
      const ownCode = typeof data === "string" && OWN_ENHANCED_CODE.test(data);
      // Our own 421s are logged where they are decided; the library's (idle timeout, too many
      // unrecognised commands, a command line over its limit) are logged here, one line each.
      if (code === 421 && !ownCode) {
        this.guards.log.info(
          { ip: plainIp(connection.remoteAddress), session: connection.id, reason: String(data) },
          "smtp session closed",
        );
      }
      return send(code, data, ownCode ? false : context);
    };

    // SMTPConnection#init, with admission by the limits and the pause before the greeting from the setting.
    connection._setListeners(() => {
      const refusal = this.guards.limits.admit(connection.id, connection.remoteAddress);
      if (refusal) {
        connection.send(421, refusal, false);
        return;
      }
      socket.once("close", () => this.guards.limits.leave(connection.id));
      setTimeout(() => connection.connectionReady(), this.greetPauseMs).unref();
    });
  }

  /** End a session now with 421 `text` (which starts with its enhanced code). */
  hangUp(sessionId: string, text: string): void {
    for (const connection of this.connections) {
      if (connection.id === sessionId) connection.send(421, text, false);
    }
  }

  /** Start the DATA deadline for `stream`: past it, the session ends with 421 and the message is dropped. */
  watchData(stream: SMTPServerDataStream, session: SMTPServerSession): void {
    const timer = setTimeout(() => {
      this.guards.log.info(
        { ip: plainIp(session.remoteAddress), session: session.id, reason: "data timeout", limitMs: this.guards.dataTimeoutMs },
        "smtp session closed",
      );
      this.hangUp(session.id, "4.4.2 DATA took too long, closing connection");
    }, this.guards.dataTimeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    stream.once("end", stop);
    stream.once("close", stop);
  }

  /**
   * `callback` of onRcptTo, counting unknown-recipient refusals (550): past the session's cap the
   * refusal becomes 421 4.7.0 and the library closes the connection.
   */
  countRefusedRecipients(session: SMTPServerSession, callback: (err?: Error | null) => void): (err?: Error | null) => void {
    return (err) => {
      const refusedMailbox = (err as { responseCode?: number } | null | undefined)?.responseCode === 550;
      if (refusedMailbox && this.guards.limits.refusedRecipient(session.id, session.remoteAddress)) {
        return callback(smtpError(421, "4.7.0 Too many unknown recipients, closing connection"));
      }
      callback(err);
    };
  }
}
