import { MailroomError, type MailroomEvent } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import type { EventRow } from "./event.table.js";
import {
  currentEventPosition,
  type EventPosition,
  findEventPosition,
  isAfter,
  positionOf,
  pruneEvents,
  readEventsAfter,
  START_OF_LOG,
  toEvent,
} from "./event-log.js";
import type { EventTail, TailFilter } from "./event-tail.js";

export interface EventListQuery {
  types?: readonly string[] | undefined;
  /** Only events about this mailbox. */
  mailboxId?: string | undefined;
  since?: Date | undefined;
  /** An event id: the events after it. */
  cursor?: string | undefined;
  limit: number;
}

function unknownEvent(id: string): MailroomError {
  return new MailroomError(
    "EVENT_CURSOR_UNKNOWN",
    `Event ${id} is not in your event log (pruned, or never yours); start again with since`,
  );
}

/** Where to read from: after the tenant's event `id`; an id that is not theirs is refused. */
async function positionAfter(deps: CoreDeps, tenantId: string, id: string): Promise<EventPosition> {
  const position = await findEventPosition(deps.db, tenantId, id);
  if (!position) throw unknownEvent(id);
  return position;
}

/** The tenant's events in log order (the order they committed), a page at a time. */
export async function listEvents(
  deps: CoreDeps,
  tenantId: string,
  query: EventListQuery,
): Promise<{ events: MailroomEvent[]; nextCursor: string | null }> {
  const after = query.cursor === undefined ? START_OF_LOG : await positionAfter(deps, tenantId, query.cursor);
  const { rows } = await readEventsAfter(
    deps.db,
    after,
    { tenantId, types: query.types, since: query.since, mailboxId: query.mailboxId },
    query.limit + 1,
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  return { events: page.map(toEvent), nextCursor: more ? page.at(-1)!.id : null };
}

export interface StreamOptions {
  types?: readonly string[] | undefined;
  mailboxId?: string | undefined;
  /** Resume after this event (Last-Event-ID); absent = only events from now on. */
  lastEventId?: string | undefined;
}

const REPLAY_PAGE = 200;

/**
 * The tenant's events as they happen, in log order, without a gap or a repeat when resuming: the
 * tail subscription comes first (rows from then on are held), then the log is replayed from the
 * resume point, then held rows at or before the replay's last one are dropped. Yields pages;
 * returns when the subscription ends (shutdown, or it fell too far behind). Refusals (the stream
 * limit, an unknown Last-Event-ID) are thrown before anything is yielded: call `open()` first.
 */
export async function openEventStream(
  deps: CoreDeps,
  tail: EventTail,
  tenantId: string,
  options: StreamOptions,
): Promise<{ pages: AsyncGenerator<MailroomEvent[]>; close(): void; dropped(): boolean }> {
  const filter: TailFilter = { tenantId, types: options.types, mailboxId: options.mailboxId };
  const subscription = await tail.subscribe(filter);
  let start: EventPosition;
  try {
    start =
      options.lastEventId === undefined
        ? await currentEventPosition(deps.db)
        : await positionAfter(deps, tenantId, options.lastEventId);
  } catch (err) {
    subscription.close();
    throw err;
  }

  async function* pages(): AsyncGenerator<MailroomEvent[]> {
    try {
      let reached = start;
      if (options.lastEventId !== undefined) {
        for (;;) {
          const { rows, position } = await readEventsAfter(deps.db, reached, filter, REPLAY_PAGE);
          reached = position;
          if (rows.length > 0) yield rows.map(toEvent);
          if (rows.length < REPLAY_PAGE) break;
        }
      }
      for (;;) {
        const rows = await subscription.take();
        if (rows === null) return;
        const fresh = rows.filter((row) => isAfter(positionOf(row), reached));
        if (fresh.length === 0) continue;
        reached = positionOf(fresh.at(-1) as EventRow);
        yield fresh.map(toEvent);
      }
    } finally {
      subscription.close();
    }
  }

  return { pages: pages(), close: () => subscription.close(), dropped: () => subscription.dropped };
}

const PRUNE_BATCH = 5000;

/** Deletes the events older than MAILROOM_EVENT_RETENTION_DAYS, a batch at a time; returns how many. */
export async function pruneOldEvents(deps: CoreDeps): Promise<number> {
  let pruned = 0;
  for (;;) {
    const n = await pruneEvents(deps.db, deps.config.events.retentionDays, PRUNE_BATCH);
    pruned += n;
    if (n < PRUNE_BATCH) break;
  }
  if (pruned > 0) deps.logger.info({ pruned }, "old events pruned");
  return pruned;
}
