import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { SMTPConnection, type SMTPConnectionOptions } from "smtp-server/lib/smtp-connection.js";

/** `5.7.1 …`: a reply text that carries its own enhanced status code. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server with two things it does not make configurable:
 *
 * - The pause before the greeting. The library waits a hard-coded 100 ms in
 *   SMTPConnection#init so that a client talking before the banner (a spam bot) is refused with
 *   "421 You talk too soon". Here it is `greetPauseMs` (0 allowed). connect() and the init step are
 *   the library's own few lines, with only the delay changed, so no fork is needed.
 * - Enhanced status codes. The library derives them from the reply code alone (every 550 is
 *   5.1.1), but a refused relay must say 5.7.1: a reply text that starts with its own enhanced
 *   code is sent as it is.
 */
export class MxSmtpServer extends SMTPServer {
  readonly greetPauseMs: number;

  constructor(options: SMTPServerOptions, greetPauseMs: number) {
    super(options);
    this.greetPauseMs = greetPauseMs;
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new SMTPConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on("error", (err: Error) => this._onError(err));
    connection.on("connect", (data: Parameters<SMTPServer["_onClientConnect"]>[0]) => this._onClientConnect(data));

    const send = connection.send.bind(connection);
    connection.send = (code, data, context) =>
      send(code, data, typeof data === "string" && OWN_ENHANCED_CODE.test(data) ? false : context);

    // SMTPConnection#init, with the pause before the greeting taken from the setting.
    connection._setListeners(() => {
      const max = this.options.maxClients;
      if (max && this.connections.size > max) {
        connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      setTimeout(() => connection.connectionReady(), this.greetPauseMs).unref();
    });
  }
}
