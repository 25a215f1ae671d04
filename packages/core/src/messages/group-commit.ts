import type { CoreDeps } from "../deps.js";
import { createWriteBatcher, type WriteBatcherOptions } from "../db/write-batcher.js";
import { announceStored, storeMessagesIn, type IncomingMessage, type StoredMessage } from "./message-store.js";
import type { NewMailSignal } from "./new-mail-signal.js";

export type GroupCommitOptions = WriteBatcherOptions;

export interface GroupCommit {
  /** Resolves once the message is committed (then, and only then, the MX answers 250). */
  store(message: IncomingMessage): Promise<StoredMessage>;
}

/**
 * Group commit for the MX: messages whose DATA ends close together are stored by one statement
 * and one commit (createWriteBatcher). Each sender still gets its 250 only after its own message
 * is committed; a message that fails on its own gets a 4xx.
 */
export function createGroupCommit(
  deps: CoreDeps,
  signal: NewMailSignal | undefined,
  options: GroupCommitOptions = {},
): GroupCommit {
  const batcher = createWriteBatcher(
    async (messages: IncomingMessage[]) => {
      const stored = await storeMessagesIn(deps.db, messages);
      return messages.map((message, i) => {
        const copies = stored[i]!;
        announceStored(deps, signal, message, copies);
        return { contentId: copies.contentId, messageIds: copies.copies.map((c) => c.id) };
      });
    },
    {
      ...options,
      sizeOf: (message) => message.raw.length,
      onBatchFailed: (err, messages) =>
        deps.logger.warn(
          { err: err instanceof Error ? err.message : String(err), messages },
          "group commit failed; storing its messages one by one",
        ),
    },
  );
  return { store: (message) => batcher.write(message) };
}
