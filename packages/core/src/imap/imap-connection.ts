import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import { plainIp } from "../net/client-address.js";

/**
 * One client's socket as the session writes to it: every write waits for the socket to drain when
 * its buffer is full, so a FETCH over a huge folder is produced only as fast as the client reads.
 */
export class ImapConnection {
  readonly ip: string;
  private closedFlag = false;

  constructor(
    public socket: Socket,
    public secure: boolean,
  ) {
    this.ip = plainIp(socket.remoteAddress ?? "");
    socket.once("close", () => {
      this.closedFlag = true;
    });
  }

  get closed(): boolean {
    return this.closedFlag || this.socket.destroyed;
  }

  async write(data: string | Buffer): Promise<void> {
    if (this.closed) return;
    if (this.socket.write(data)) return;
    await this.drained();
  }

  async writeAll(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    for await (const chunk of chunks) {
      if (this.closed) return;
      await this.write(chunk);
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.once("drain", done);
      this.socket.once("close", done);
    });
  }

  /**
   * STARTTLS: the socket becomes a TLS server socket on the same connection. Resolves when the
   * handshake is done; rejects (and the connection is dropped) when it fails.
   */
  upgrade(secureContext: SecureContext): Promise<TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    const tls = new TLSSocket(plain, { isServer: true, secureContext });
    this.socket = tls;
    this.secure = true;
    tls.once("close", () => {
      this.closedFlag = true;
    });
    return new Promise((resolve, reject) => {
      tls.once("secure", () => resolve(tls));
      tls.once("error", reject);
    });
  }

  /** Ends the connection once what was written is sent. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 2000);
    timer.unref();
  }
}
