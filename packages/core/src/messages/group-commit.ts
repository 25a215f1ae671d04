import type { CoreDeps } from "../deps.js";
import { announceStored, storeMessagesIn, type IncomingMessage, type StoredMessage } from "./message-store.js";
import type { NewMailSignal } from "./new-mail-signal.js";

export interface GroupCommitOptions {
  /** Messages per statement at most. */
  maxMessages?: number;
  /** Raw bytes per statement at most (a batch always takes at least one message). */
  maxBytes?: number;
  /** Statements running at once; messages that arrive meanwhile wait and go together in the next. */
  maxInFlight?: number;
}

interface Waiting {
  message: IncomingMessage;
  resolve: (stored: StoredMessage) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommit {
  /** Resolves once the message is committed (then, and only then, the MX answers 250). */
  store(message: IncomingMessage): Promise<StoredMessage>;
}

/**
 * Group commit for the MX: messages whose DATA ends close together are stored by one statement
 * and one commit, flushed on the next turn of the event loop (so a lone message waits for
 * nothing). Each sender still gets its 250 only after its own message is committed. When a
 * batch fails, its messages are retried one by one, so one bad message cannot fail its
 * neighbours; whatever still fails is rejected and its sender gets a 4xx.
 */
export function createGroupCommit(
  deps: CoreDeps,
  signal: NewMailSignal | undefined,
  options: GroupCommitOptions = {},
): GroupCommit {
  const maxMessages = options.maxMessages ?? 100;
  // Bounded so a batch of big messages cannot spike memory (the statement holds copies of them).
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 2;
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  }

  function flush(): void {
    while (waiting.length > 0 && inFlight < maxInFlight) {
      let bytes = 0;
      let count = 0;
      while (
        count < waiting.length &&
        count < maxMessages &&
        (count === 0 || bytes + waiting[count]!.message.raw.length <= maxBytes)
      ) {
        bytes += waiting[count]!.message.raw.length;
        count++;
      }
      const batch = waiting.splice(0, count);
      inFlight++;
      void commit(batch).finally(() => {
        inFlight--;
        if (waiting.length > 0) schedule();
      });
    }
  }

  async function commit(batch: Waiting[]): Promise<void> {
    try {
      settle(
        batch,
        await storeMessagesIn(
          deps.db,
          batch.map((w) => w.message),
        ),
      );
      return;
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      deps.logger.warn(
        { err: err instanceof Error ? err.message : String(err), messages: batch.length },
        "group commit failed; storing its messages one by one",
      );
    }
    for (const w of batch) {
      try {
        settle([w], await storeMessagesIn(deps.db, [w.message]));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  function settle(batch: Waiting[], stored: Awaited<ReturnType<typeof storeMessagesIn>>): void {
    batch.forEach((w, i) => {
      const copies = stored[i]!;
      announceStored(deps, signal, w.message, copies);
      w.resolve({ contentId: copies.contentId, messageIds: copies.copies.map((c) => c.id) });
    });
  }

  return {
    store(message) {
      return new Promise<StoredMessage>((resolve, reject) => {
        waiting.push({ message, resolve, reject });
        schedule();
      });
    },
  };
}
