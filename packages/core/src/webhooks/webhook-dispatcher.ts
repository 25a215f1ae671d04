import type { Executor } from "../db/database.js";
import { currentEventPosition, isAfter, readEventIdsAfter } from "../events/event-log.js";
import {
  anyEnabledEndpoint,
  insertDeliveries,
  lockDispatchCursor,
  matchNewEvents,
  moveDispatchCursor,
} from "./webhook.repository.js";
import type { Kysely } from "kysely";
import type { Database } from "../db/database.js";

/** Events read per transaction. */
const DISPATCH_BATCH = 500;

export interface DispatchPass {
  /** Another dispatcher held the cursor: nothing was done here. */
  busy: boolean;
  events: number;
  deliveries: number;
}

/**
 * One step of turning the event log into deliveries: under the cursor's row lock (one dispatcher
 * at a time, in any number of processes), read the events after the cursor — gap-free, so no
 * event that commits later is passed over — queue a delivery for each endpoint that wants each
 * one, and move the cursor, all in one transaction: a crash before the commit leaves both undone.
 */
export async function dispatchOnce(db: Kysely<Database>, batch = DISPATCH_BATCH): Promise<DispatchPass> {
  return db.transaction().execute(async (trx: Executor) => {
    const cursor = await lockDispatchCursor(trx);
    if (!cursor) return { busy: true, events: 0, deliveries: 0 };
    // With no enabled endpoint no event can match (an endpoint gets only events from after its
    // creation, and none while disabled): move past the whole visible log without reading it.
    if (!(await anyEnabledEndpoint(trx))) {
      const end = await currentEventPosition(trx);
      if (isAfter(end, cursor)) await moveDispatchCursor(trx, end);
      return { busy: false, events: 0, deliveries: 0 };
    }
    const { ids, position } = await readEventIdsAfter(trx, cursor, batch);
    if (ids.length === 0) return { busy: false, events: 0, deliveries: 0 };
    const deliveries = await insertDeliveries(trx, await matchNewEvents(trx, ids));
    await moveDispatchCursor(trx, position);
    return { busy: false, events: ids.length, deliveries };
  });
}

/** Dispatch until the log is read to its end (or another dispatcher has it); deliveries queued. */
export async function dispatchAll(db: Kysely<Database>, batch = DISPATCH_BATCH): Promise<number> {
  let queued = 0;
  for (;;) {
    const pass = await dispatchOnce(db, batch);
    queued += pass.deliveries;
    if (pass.busy || pass.events < batch) return queued;
  }
}
