import { connect, type Socket } from "node:net";

export interface Reply {
  code: number;
  text: string;
}

/** The connection went away before the server answered: the message is not acknowledged. */
export class ConnectionLost extends Error {}

/**
 * A small SMTP client for the bench: one transaction at a time, no pipelining, every reply
 * checked, so a drill knows exactly which messages got a 250 for their DATA.
 */
export class SmtpClient {
  private buffer = "";
  private lines: string[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private replies: Reply[] = [];
  private closed: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d.toString("latin1")));
    const end = (err?: Error) => {
      this.closed ??= new ConnectionLost(err?.message ?? "connection closed");
      this.waiting?.reject(this.closed);
      this.waiting = undefined;
    };
    socket.on("error", end);
    socket.on("close", () => end());
  }

  static async open(port: number, helo = "client.bench.test", timeoutMs = 10_000): Promise<SmtpClient> {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("SMTP timeout")));
    const client = new SmtpClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const greeting = await client.reply();
    if (greeting.code !== 220) throw new ConnectionLost(`greeting ${greeting.code} ${greeting.text}`);
    const ehlo = await client.command(`EHLO ${helo}`);
    if (ehlo.code !== 250) throw new ConnectionLost(`EHLO ${ehlo.code} ${ehlo.text}`);
    return client;
  }

  get alive(): boolean {
    return this.closed === undefined;
  }

  /** One message; the reply to its end of DATA (or the first refusal before it). */
  async send(from: string, to: string[], raw: Buffer): Promise<Reply> {
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return this.reset(mail);
    let accepted = 0;
    let refusal: Reply | undefined;
    for (const rcpt of to) {
      const r = await this.command(`RCPT TO:<${rcpt}>`);
      if (r.code === 250 || r.code === 251) accepted++;
      else refusal ??= r;
    }
    if (accepted === 0) return this.reset(refusal ?? { code: 554, text: "no recipients" });
    const data = await this.command("DATA");
    if (data.code !== 354) return this.reset(data);
    this.socket.write(dotStuff(raw));
    return this.reply();
  }

  async quit(): Promise<void> {
    if (!this.alive) return;
    try {
      await this.command("QUIT");
    } catch {
      // gone already
    }
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async reset(reply: Reply): Promise<Reply> {
    await this.command("RSET");
    return reply;
  }

  private command(line: string): Promise<Reply> {
    if (this.closed) return Promise.reject(this.closed);
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  private reply(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private onData(text: string): void {
    this.buffer += text;
    for (let at = this.buffer.indexOf("\r\n"); at >= 0; at = this.buffer.indexOf("\r\n")) {
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      this.lines.push(line.slice(4));
      if (line[3] === "-") continue;
      const reply = { code: Number(line.slice(0, 3)), text: this.lines.join("\n") };
      this.lines = [];
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting.resolve(reply);
      else this.replies.push(reply);
    }
  }
}

/** CRLF line ends, a leading dot doubled, and the terminating <CRLF>.<CRLF>. */
export function dotStuff(raw: Buffer): Buffer {
  let text = raw.toString("latin1").replace(/\r?\n/g, "\r\n");
  text = text.replace(/(^|\r\n)\./g, "$1..");
  if (!text.endsWith("\r\n")) text += "\r\n";
  return Buffer.from(`${text}.\r\n`, "latin1");
}

/** `raw` as a server receives it: CRLF line ends (what a byte-for-byte check compares). */
export function onTheWire(raw: Buffer): Buffer {
  let text = raw.toString("latin1").replace(/\r?\n/g, "\r\n");
  if (!text.endsWith("\r\n")) text += "\r\n";
  return Buffer.from(text, "latin1");
}

export interface PoolResult {
  /** Per message index: the final DATA reply, or undefined when it never got one. */
  replies: (Reply | undefined)[];
  seconds: number;
}

/**
 * Send `count` messages over `connections` kept connections. A message whose connection drops
 * before its reply is tried again (as any MTA would) until `retryUntil`; connection failures are
 * retried every 100 ms, so a drill can kill and restart the server underneath.
 */
export async function sendPool(o: {
  port: number;
  connections: number;
  count: number;
  message: (i: number) => { from: string; to: string[]; raw: Buffer };
  onReply?: (i: number, reply: Reply) => void;
  retryUntil?: number;
}): Promise<PoolResult> {
  const replies: (Reply | undefined)[] = new Array(o.count).fill(undefined);
  const pending: number[] = [];
  let next = 0;
  const take = () => (pending.length > 0 ? pending.shift() : next < o.count ? next++ : undefined);
  const started = performance.now();
  const worker = async () => {
    let client: SmtpClient | undefined;
    for (let i = take(); i !== undefined; i = take()) {
      for (;;) {
        try {
          client ??= await SmtpClient.open(o.port);
          const m = o.message(i);
          const reply = await client.send(m.from, m.to, m.raw);
          replies[i] = reply;
          o.onReply?.(i, reply);
          // 4xx: a temporary refusal; try again later, as an MTA would.
          if (reply.code >= 400 && reply.code < 500 && o.retryUntil !== undefined && Date.now() < o.retryUntil) {
            pending.push(i);
          }
          break;
        } catch (err) {
          client?.destroy();
          client = undefined;
          if (o.retryUntil === undefined || Date.now() > o.retryUntil) {
            if (!(err instanceof ConnectionLost) && !(err instanceof Error)) throw err;
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    await client?.quit();
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  return { replies, seconds: (performance.now() - started) / 1000 };
}
