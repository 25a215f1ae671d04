import type { IncomingMessage } from "node:http";
import { Worker } from "node:worker_threads";
import { MailroomError } from "@mailroom/contracts";

/** Bodies a request may send: every route gets this much, the send route gets the message limit. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** The deepest nesting of objects and arrays a JSON body may have. */
export const JSON_MAX_DEPTH = 64;
/** How many object members and array elements a JSON body may hold in all (a send needs a few hundred). */
export const JSON_MAX_VALUES = 10_000;
/** Larger bodies are checked and parsed on a worker thread: parsing megabytes blocks every other request. */
const OFF_THREAD_BYTES = 256 * 1024;

/**
 * The request body, at most `limit` bytes. A Content-Length over the limit is refused before a byte
 * is read; a body that grows past it stops being read there. Either way the caller answers 413 and
 * the connection closes (the rest of the body is never read).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: MailroomError) => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return done(tooLarge(limit));
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = () => done(new MailroomError("INVALID_JSON", "The request body ended early"));
    const onAborted = onError;
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
}

function tooLarge(limit: number): MailroomError {
  return new MailroomError("PAYLOAD_TOO_LARGE", `Request body too large: this endpoint takes at most ${limit} bytes`);
}

/** The body as JSON (undefined when empty), within the depth and size-of-structure limits. */
export async function parseJsonBody(bytes: Buffer): Promise<unknown> {
  if (bytes.length === 0) return undefined;
  const outcome =
    bytes.length > OFF_THREAD_BYTES
      ? await offThread(bytes)
      : parseLimitedJson(bytes.toString("utf8"), JSON_MAX_DEPTH, JSON_MAX_VALUES);
  if (outcome.ok) return outcome.value;
  throw new MailroomError("INVALID_JSON", PROBLEMS[outcome.problem]);
}

const PROBLEMS = {
  syntax: "Request body is not valid JSON",
  depth: `Request body nests objects and arrays deeper than ${JSON_MAX_DEPTH} levels`,
  values: `Request body holds more than ${JSON_MAX_VALUES} object members and array elements`,
} as const;

type JsonOutcome = { ok: true; value: unknown } | { ok: false; problem: keyof typeof PROBLEMS };

/**
 * Count nesting and values in one pass over the text, then JSON.parse only what is within the
 * limits: a body nested 100,000 deep or holding a million keys is refused before anything is
 * built from it (and before anything recursive can overflow the stack on it).
 *
 * Self-contained on purpose: its source text is also the worker's (see WORKER_SOURCE).
 */
function parseLimitedJson(text: string, maxDepth: number, maxValues: number): JsonOutcome {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: find its closing quote, one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return { ok: false, problem: "syntax" };
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { ok: false, problem: "depth" };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      if (++values > maxValues) return { ok: false, problem: "values" };
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: "syntax" };
  }
}

/*
 * One worker for the process, started on the first large body. Its code is parseLimitedJson's own
 * source, so the worker needs no file of its own (and runs the same from TypeScript sources in tests
 * as from the build). `__name` is defined in case a bundler's keep-names helper appears in that source.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const __name = (fn) => fn;
const parseLimitedJson = ${parseLimitedJson.toString()};
const decoder = new TextDecoder();
parentPort.on("message", ({ id, bytes }) => {
  parentPort.postMessage({ id, outcome: parseLimitedJson(decoder.decode(bytes), ${JSON_MAX_DEPTH}, ${JSON_MAX_VALUES}) });
});
`;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (o: JsonOutcome) => void; reject: (e: unknown) => void }>();

let offThreadCount = 0;

/** How many bodies this process has checked on the worker thread: the fact that a large body never held the event loop. */
export function offThreadParses(): number {
  return offThreadCount;
}

function offThread(bytes: Buffer): Promise<JsonOutcome> {
  offThreadCount++;
  worker ??= startWorker();
  const id = nextId++;
  // A copy the worker owns: Buffers share pooled memory that must not be transferred away.
  const copy = new Uint8Array(bytes);
  const result = new Promise<JsonOutcome>((resolve, reject) => pending.set(id, { resolve, reject }));
  worker.postMessage({ id, bytes: copy }, [copy.buffer]);
  worker.ref();
  return result;
}

function startWorker(): Worker {
  const started = new Worker(WORKER_SOURCE, { eval: true });
  started.unref();
  started.on("message", ({ id, outcome }: { id: number; outcome: JsonOutcome }) => {
    pending.get(id)?.resolve(outcome);
    pending.delete(id);
    if (pending.size === 0) started.unref();
  });
  const fail = (err: unknown) => {
    worker = undefined;
    for (const waiter of pending.values()) waiter.reject(err);
    pending.clear();
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`JSON worker exited with code ${code}`)));
  return started;
}
