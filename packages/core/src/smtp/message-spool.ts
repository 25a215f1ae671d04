import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { SMTPServerDataStream } from "smtp-server";
import { smtpError } from "./smtp-replies.js";

/**
 * How long a received message may wait for room in memory before it is answered 451 4.3.2: well
 * inside the 10 minutes a client waits for the reply to the final dot (RFC 5321 §4.5.3.2.6).
 */
export const PROCESSING_WAIT_MS = 300_000;
/** Spool files this old at start-up were left by a process that died: nothing reads them any more. */
const STALE_SPOOL_MS = 24 * 60 * 60 * 1000;

export interface MessageMemoryStats {
  /** Message bytes held in memory now, by sessions in DATA and by messages being processed. */
  bytesInMemory: number;
  /** Messages whose DATA is in a spool file now. */
  spoolFiles: number;
}

/**
 * The one budget of message bytes in memory for every SMTP session of the process. A session in
 * DATA keeps its chunks in memory while the budget has room, and moves them to a spool file once
 * it has not: N clients that each start a big message and never finish cost N open files, not N
 * messages of RAM. Processing (auth checks, parsing, storing) needs the whole message in memory,
 * so a spooled message waits for its size in the budget first, in arrival order; while anyone
 * waits, new DATA goes to files, so waiting messages are not starved by fresh ones.
 */
export class MessageMemory {
  private used = 0;
  private readonly waiters: { bytes: number; grant: () => void }[] = [];
  private readonly files = new Set<string>();

  constructor(
    readonly capacity: number,
    readonly spoolDir: string,
    private readonly log: Logger,
  ) {
    mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
    removeStaleFiles(spoolDir);
  }

  stats(): MessageMemoryStats {
    return { bytesInMemory: this.used, spoolFiles: this.files.size };
  }

  /** Take `bytes` now if there is room and nobody is waiting. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  /**
   * Wait for `bytes` (at most the whole budget: a message larger than the budget is processed
   * alone). The bytes reserved, or null when `timeoutMs` passed first.
   */
  reserve(bytes: number, timeoutMs: number): Promise<number | null> {
    const wanted = Math.min(bytes, this.capacity);
    if (this.tryReserve(wanted)) return Promise.resolve(wanted);
    return new Promise((resolve) => {
      const waiter = {
        bytes: wanted,
        grant: () => {
          clearTimeout(timer);
          resolve(wanted);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(null);
        this.grantWaiting();
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  /** A new spool file's path, counted until `removeFile`. */
  newFile(): string {
    const path = join(this.spoolDir, `data-${process.pid}-${randomBytes(8).toString("hex")}.eml`);
    this.files.add(path);
    return path;
  }

  /** Never throws: the message is done with, a file that cannot be deleted is for the operator. */
  async removeFile(path: string): Promise<void> {
    this.files.delete(path);
    await rm(path, { force: true }).catch((err: unknown) => this.log.warn({ err, path }, "spool file not deleted"));
  }

  private grantWaiting(): void {
    for (let next = this.waiters[0]; next && this.used + next.bytes <= this.capacity; next = this.waiters[0]) {
      this.waiters.shift();
      this.used += next.bytes;
      next.grant();
    }
  }
}

/** A message received in full, in memory or in a spool file. */
export interface HeldMessage {
  size: number;
  /** Whether the bytes went to a spool file. */
  spooled: boolean;
  /** The bytes in memory; a spooled message waits for room in the budget first (451 4.3.2 if none comes). */
  bytes(): Promise<Buffer>;
  /** Give its memory back and delete its file. Call once, when done with the bytes. */
  release(): Promise<void>;
}

/**
 * Read one DATA stream under the shared budget: null when it went over `limit` (nothing kept),
 * rejected when the stream failed (the client left, the DATA timeout ended it, the disk failed).
 */
export function holdMessage(stream: SMTPServerDataStream, limit: number, memory: MessageMemory): Promise<HeldMessage | null> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let held = 0;
    let size = 0;
    let spool: { path: string; file: WriteStream } | undefined;
    let oversized = false;

    const discard = async () => {
      memory.release(held);
      held = 0;
      chunks = [];
      if (spool) {
        spool.file.destroy();
        await memory.removeFile(spool.path);
      }
    };
    const write = (chunk: Buffer) => {
      if (!spool!.file.write(chunk)) {
        stream.pause();
        spool!.file.once("drain", () => stream.resume());
      }
    };

    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (oversized) return;
      if (size > limit) {
        oversized = true;
        void discard();
        return;
      }
      if (spool) return write(chunk);
      if (memory.tryReserve(chunk.length)) {
        held += chunk.length;
        chunks.push(chunk);
        return;
      }
      const path = memory.newFile();
      spool = { path, file: createWriteStream(path, { flags: "wx", mode: 0o600 }) };
      spool.file.once("error", (err) => {
        stream.destroy();
        discard().then(() => reject(err), reject);
      });
      for (const c of [...chunks, chunk]) write(c);
      memory.release(held);
      held = 0;
      chunks = [];
    });
    stream.once("error", (err) => {
      discard().then(() => reject(err), reject);
    });
    stream.once("end", () => {
      if (oversized || stream.sizeExceeded) {
        discard().then(() => resolve(null), reject);
        return;
      }
      if (!spool) {
        resolve(inMemory(chunks, held, size, memory));
        return;
      }
      const { path, file } = spool;
      file.end(() => resolve(inFile(path, size, memory)));
    });
  });
}

function inMemory(chunks: Buffer[], held: number, size: number, memory: MessageMemory): HeldMessage {
  let released = false;
  return {
    size,
    spooled: false,
    bytes: async () => {
      // One copy, not two: the chunks go as soon as they are joined (the budget counts `size` once).
      const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      chunks = [whole];
      return whole;
    },
    release: async () => {
      if (released) return;
      released = true;
      chunks = [];
      memory.release(held);
    },
  };
}

function inFile(path: string, size: number, memory: MessageMemory): HeldMessage {
  let reserved = 0;
  let released = false;
  return {
    size,
    spooled: true,
    bytes: async () => {
      const granted = await memory.reserve(size, PROCESSING_WAIT_MS);
      if (granted === null) throw smtpError(451, "4.3.2 Too much mail in progress, try again later");
      reserved = granted;
      return readFile(path);
    },
    release: async () => {
      if (released) return;
      released = true;
      memory.release(reserved);
      await memory.removeFile(path);
    },
  };
}

function removeStaleFiles(dir: string): void {
  const before = Date.now() - STALE_SPOOL_MS;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // Other processes share the directory (a cluster's workers): a file listed here may be gone by now.
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (name.startsWith("data-") && modified !== undefined && modified < before) rmSync(path, { force: true });
  }
}
