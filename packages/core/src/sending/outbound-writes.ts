import type { Executor } from "../db/database.js";
import { createWriteBatcher, type WriteBatcher } from "../db/write-batcher.js";
import type { CoreDeps } from "../deps.js";
import { outboundInserts } from "../delivery/delivery.repository.js";
import type { NewDeliveryRow, NewOutboundMessageRow } from "../delivery/delivery.table.js";
import type { NewEventRow } from "../events/event.table.js";
import { eventInserts } from "../messages/message-store.js";
import { insertMessagesAndNotify } from "../messages/message.repository.js";
import type { NewMessageContentRow, NewMessageRow } from "../messages/message.table.js";

/** Everything one send writes: the outbound message, its recipients' rows, hosted and Sent copies, events. */
export interface OutboundWrite {
  contents: NewMessageContentRow[];
  copies: NewMessageRow[];
  outbound: NewOutboundMessageRow;
  deliveries: NewDeliveryRow[];
  events: NewEventRow[];
}

export type OutboundWrites = WriteBatcher<OutboundWrite, void>;

/** Several sends' writes in ONE statement (data-modifying CTEs): all or nothing. */
export async function writeOutbound(executor: Executor, writes: OutboundWrite[]): Promise<void> {
  await insertMessagesAndNotify(
    executor,
    writes.flatMap((w) => w.contents),
    writes.flatMap((w) => w.copies),
    [
      ...outboundInserts(
        executor,
        writes.map((w) => w.outbound),
        writes.flatMap((w) => w.deliveries),
      ),
      ...eventInserts(
        executor,
        writes.flatMap((w) => w.events),
      ),
    ],
  );
}

/**
 * Sends of one process committed together (createWriteBatcher): sends from one mailbox each put a
 * copy in its Sent folder, whose row every copy locks for its UID, so one statement per send
 * would make them queue on that row.
 */
export function createOutboundWrites(deps: CoreDeps): OutboundWrites {
  return createWriteBatcher(
    async (writes: OutboundWrite[]) => {
      await writeOutbound(deps.db, writes);
      return writes.map(() => undefined);
    },
    {
      sizeOf: (w) => w.outbound.raw.length + w.contents.reduce((n, c) => n + c.raw.length, 0),
      onBatchFailed: (err, sends) =>
        deps.logger.warn(
          { err: err instanceof Error ? err.message : String(err), sends },
          "a batch of sends failed; writing them one by one",
        ),
    },
  );
}
