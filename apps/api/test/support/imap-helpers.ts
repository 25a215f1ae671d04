import { connect, type Socket } from "node:net";
import { ImapFlow } from "imapflow";
import { expect } from "vitest";
import { composeMessage, listInbox, mxTransport, type TestInbox } from "./receiving.js";
import type { TestServer } from "./test-server.js";

export const PASSWORD = "securePass123";

/** imapflow logged in to the test server's IMAP port as the inbox's mailbox (plain text on loopback). */
export async function imapClient(server: TestServer, inbox: TestInbox, options: { idle?: boolean } = {}): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: server.app.imap.port,
    secure: false,
    auth: { user: inbox.address, pass: PASSWORD },
    logger: false,
    disableAutoIdle: !options.idle,
    // A failed command in a test should fail the test, not wait for a reconnect.
    connectionTimeout: 10_000,
  });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/** A message delivered to the inbox through the MX; its REST id once it is listed, and its bytes as sent. */
export async function deliver(
  server: TestServer,
  inbox: TestInbox,
  mail: { subject: string; text?: string; html?: string; from?: string; attachments?: { filename: string; content: string }[] },
): Promise<{ id: string; sent: Buffer }> {
  const before = new Set((await listInbox(server, inbox)).map((m) => m.id));
  const sent = await composeMessage({ from: mail.from ?? "Alice Sender <alice@sender.test>", to: inbox.address, ...mail });
  await mxTransport(server.app.smtpPort).sendMail({ envelope: { from: "alice@sender.test", to: [inbox.address] }, raw: sent });
  const after = await listInbox(server, inbox);
  const fresh = after.find((m) => !before.has(m.id));
  expect(fresh, "delivered message listed").toBeDefined();
  return { id: fresh!.id, sent };
}

/**
 * A raw IMAP conversation over a socket: send lines (or bytes), wait for a line matching a pattern.
 * For malformed input no client library would send.
 */
export class RawImap {
  private buffer = "";
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on("close", () => {
      this.closed = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on("error", () => undefined);
  }

  /** `localAddress`: the source address, e.g. 127.0.0.9 to be a client of its own on Linux loopback. */
  static async open(port: number, localAddress?: string): Promise<RawImap> {
    const socket = connect({ port, host: "127.0.0.1", ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const raw = new RawImap(socket);
    await raw.until(/^\* OK .*\r\n/m);
    return raw;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `tag command` and returns everything up to the tagged reply. */
  async command(tag: string, command: string): Promise<string> {
    this.send(`${tag} ${command}\r\n`);
    return this.until(new RegExp(`^${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`, "m"));
  }

  /** Everything received up to and including the first match of `pattern` (consumed). */
  async until(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return out;
      }
      if (this.closed) throw new Error(`connection closed before ${pattern}; got: ${this.buffer.slice(0, 500)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got: ${this.buffer.slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async login(address: string, password = PASSWORD): Promise<string> {
    return this.command("L1", `LOGIN "${address}" "${password}"`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** imapflow answers `false` where a command found nothing: here that fails the test. */
export function present<T>(value: T | false | undefined | null): T {
  expect(value, "imapflow returned nothing").toBeTruthy();
  return value as T;
}
