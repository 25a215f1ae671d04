export interface WriteBatcherOptions {
  /** Items per statement at most. */
  maxItems?: number;
  /** Bytes per statement at most (a batch always takes at least one item). */
  maxBytes?: number;
  /** Statements running at once; items that arrive meanwhile wait and go together in the next. */
  maxInFlight?: number;
}

export interface WriteBatcher<T, R> {
  /** Resolves once the item is committed (only then may its caller say so). */
  write(item: T): Promise<R>;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items whose writes arrive close together are written by one statement and one
 * commit, flushed on the next turn of the event loop (so a lone item waits for nothing). Rows
 * that many writers touch (a folder's next UID, a window's counter) are then locked once per
 * batch instead of once per item, which is what keeps a busy mailbox from becoming a queue.
 * When a batch fails, its items are retried one by one, so one bad item cannot fail its
 * neighbours; whatever still fails is rejected on its own.
 */
export function createWriteBatcher<T, R>(
  /** Writes the batch in one statement; a result per item, in order. */
  writeBatch: (batch: T[]) => Promise<R[]>,
  options: WriteBatcherOptions & {
    sizeOf: (item: T) => number;
    onBatchFailed: (err: unknown, items: number) => void;
  },
): WriteBatcher<T, R> {
  const maxItems = options.maxItems ?? 100;
  // Bounded so a batch of big items cannot spike memory (the statement holds copies of them).
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 2;
  const waiting: Waiting<T, R>[] = [];
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
        count < maxItems &&
        (count === 0 || bytes + options.sizeOf(waiting[count]!.item) <= maxBytes)
      ) {
        bytes += options.sizeOf(waiting[count]!.item);
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

  async function commit(batch: Waiting<T, R>[]): Promise<void> {
    try {
      settle(batch, await writeBatch(batch.map((w) => w.item)));
      return;
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      options.onBatchFailed(err, batch.length);
    }
    for (const w of batch) {
      try {
        settle([w], await writeBatch([w.item]));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  function settle(batch: Waiting<T, R>[], results: R[]): void {
    for (const [i, w] of batch.entries()) w.resolve(results[i]!);
  }

  return {
    write(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}
