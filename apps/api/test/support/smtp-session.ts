import { connect, type Socket } from "node:net";

/**
 * A hand-driven SMTP client over loopback: one command, one whole reply, so tests can check each
 * answer (RCPT by RCPT) as a real sender would see it.
 */
export class SmtpSession {
  private buffer = "";
  private waiters: (() => void)[] = [];
  private ended = false;
  greeting = "";

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  /** `localAddress`: the source address, e.g. 127.0.0.2 to be a second client on Linux loopback. */
  static async open(port: number, host = "127.0.0.1", localAddress?: string): Promise<SmtpSession> {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const session = new SmtpSession(socket);
    session.greeting = await session.reply();
    return session;
  }

  /** Send a line as-is (no reply awaited): for pipelining and early talkers. */
  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** The next complete reply (all its lines), or what was left when the server hung up. */
  async reply(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = completeReplyEnd(this.buffer);
      if (end >= 0) {
        const reply = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return reply.trimEnd();
      }
      if (this.ended) return this.buffer.trimEnd();
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms (have: ${JSON.stringify(this.buffer)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** DATA, the message dot-stuffed, the final dot: the reply to the whole message. */
  async data(message: Buffer | string): Promise<string> {
    const go = await this.command("DATA");
    if (!go.startsWith("354")) return go;
    this.sendBody(message);
    return this.reply(60_000);
  }

  /** The message and its terminating dot, without waiting for the answer. */
  sendBody(message: Buffer | string): void {
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message, "utf8");
    this.socket.write(dotStuff(bytes));
    this.socket.write(bytes.subarray(-2).equals(Buffer.from("\r\n")) ? ".\r\n" : "\r\n.\r\n");
  }

  get closed(): boolean {
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Index just past the last line of the first complete reply in `buffer`, or -1. */
function completeReplyEnd(buffer: string): number {
  let start = 0;
  for (;;) {
    const nl = buffer.indexOf("\n", start);
    if (nl < 0) return -1;
    const line = buffer.slice(start, nl);
    if (/^\d{3}(?: |$)/.test(line) || /^\d{3}\r$/.test(line)) return nl + 1;
    start = nl + 1;
  }
}

/** A line starting with "." gets another "." (RFC 5321 §4.5.2). */
function dotStuff(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let lineStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === lineStart && bytes[i] === 0x2e) out.push(Buffer.from("."));
    if (bytes[i] === 0x0a) {
      out.push(bytes.subarray(lineStart, i + 1));
      lineStart = i + 1;
    }
  }
  if (lineStart < bytes.length) out.push(bytes.subarray(lineStart));
  return Buffer.concat(out);
}
