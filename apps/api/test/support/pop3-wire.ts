import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

/**
 * A hand-driven POP3 client over loopback, for what poplib will not send: AUTH PLAIN, wrong
 * states, overlong lines, pipelining, sessions left idle. Replies are read whole: one status line,
 * or a multi-line answer up to its terminating ".".
 */
export class Pop3Wire {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;
  greeting = "";

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  /** `localAddress`: the source address, e.g. 127.0.0.2 to be another client on Linux loopback. */
  static async open(port: number, host = "127.0.0.1", localAddress?: string): Promise<Pop3Wire> {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const wire = new Pop3Wire(socket);
    wire.greeting = await wire.line();
    return wire;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Send one command and read its status line. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line();
  }

  /** The next status line, without CRLF; "" when the server hung up first. */
  async line(timeoutMs = 20_000): Promise<string> {
    const end = await this.until((b) => b.indexOf("\r\n"), timeoutMs);
    if (end < 0) return "";
    const line = this.buffer.subarray(0, end).toString("utf8");
    this.buffer = this.buffer.subarray(end + 2);
    return line;
  }

  /** A multi-line body up to (not including) the terminating line, still byte-stuffed. */
  async body(timeoutMs = 20_000): Promise<Buffer> {
    const end = await this.until((b) => (b.subarray(0, 3).equals(Buffer.from(".\r\n")) ? 0 : b.indexOf("\r\n.\r\n")), timeoutMs);
    if (end < 0) throw new Error("the server hung up inside a multi-line answer");
    const body = end === 0 ? Buffer.alloc(0) : this.buffer.subarray(0, end + 2);
    this.buffer = this.buffer.subarray(end === 0 ? 3 : end + 5);
    return body;
  }

  /** Resolves once the server has closed the connection. */
  async closed(timeoutMs = 20_000): Promise<boolean> {
    await this.until(() => -1, timeoutMs).catch(() => undefined);
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(find: (buffer: Buffer) => number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = find(this.buffer);
      if (at >= 0) return at;
      if (this.ended) return -1;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no POP3 reply within ${timeoutMs} ms (have: ${JSON.stringify(this.buffer.toString())})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

const POPLIB_CLIENT = fileURLToPath(new URL("./pop3_client.py", import.meta.url));

export interface PoplibProgram {
  port: number;
  tls?: "none" | "stls" | "implicit";
  user?: string;
  password?: string;
  steps?: (string | number)[][];
}

/** One session of Python's poplib (run asynchronously: the server lives in this process). */
export function poplib(program: PoplibProgram): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "python3",
      [POPLIB_CLIENT],
      { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`poplib client failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout));
      },
    );
    child.stdin!.end(JSON.stringify({ steps: [], ...program }));
  });
}

/** `AUTH PLAIN`'s response: base64 of NUL user NUL password. */
export function plainResponse(user: string, password: string, authzid = ""): string {
  return Buffer.from(`${authzid}\0${user}\0${password}`).toString("base64");
}
