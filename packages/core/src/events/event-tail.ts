import { MailroomError } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import type { EventRow } from "./event.table.js";
import { currentEventPosition, EVENTS_CHANNEL, type EventFilter, type EventPosition, readEventsAfter } from "./event-log.js";

/** Rows a subscriber may have waiting before it is dropped (its stream ends; the client resumes). */
export const SUBSCRIBER_BUFFER = 1000;
/** How often the tail reads without a NOTIFY: catches a lost one, and rows that waited on an older transaction. */
const POLL_MS = 1000;
const READ_BATCH = 500;

/** What a subscriber hears: its tenant's events, optionally of some types or one mailbox. */
export interface TailFilter extends EventFilter {
  tenantId: string;
}

/**
 * One subscriber's queue of rows, fed by the tail. `take` waits for rows and answers null once the
 * subscription ended: closed, dropped for falling SUBSCRIBER_BUFFER rows behind, or the tail closed.
 */
export class TailSubscription {
  private queue: EventRow[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  /** True when it ended because it could not keep up. */
  dropped = false;

  constructor(
    readonly filter: TailFilter,
    private readonly onEnd: (s: TailSubscription) => void,
  ) {}

  matches(row: EventRow): boolean {
    const { tenantId, types, mailboxId } = this.filter;
    return (
      row.tenant_id === tenantId &&
      (types === undefined || types.length === 0 || types.includes(row.type)) &&
      (mailboxId === undefined || row.mailbox_id === mailboxId)
    );
  }

  push(row: EventRow): void {
    if (this.ended) return;
    if (this.queue.length >= SUBSCRIBER_BUFFER) {
      this.dropped = true;
      this.close();
      return;
    }
    this.queue.push(row);
    this.wakeUp();
  }

  /** The rows waiting now (at least one), or null once ended. */
  async take(): Promise<EventRow[] | null> {
    while (this.queue.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.waiter = resolve));
    if (this.ended) return null;
    return this.queue.splice(0);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.wakeUp();
    this.onEnd(this);
  }

  get closed(): boolean {
    return this.ended;
  }

  private wakeUp(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/**
 * The process's one reader of the event log: reads it forward in order (readEventsAfter, so
 * gap-free), woken by NOTIFY on EVENTS_CHANNEL and by a poll, and hands each row to the
 * subscribers it matches. It reads nothing while nobody subscribes.
 */
export class EventTail {
  private readonly subscribers = new Set<TailSubscription>();
  private position: EventPosition | undefined;
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private closed = false;
  private readonly log;

  constructor(
    private readonly deps: Pick<CoreDeps, "db" | "listen" | "logger">,
    private readonly options: { perTenant: number; pollMs?: number },
  ) {
    this.log = deps.logger.child({ component: "event-tail" });
  }

  /**
   * Resolves once every row after the tail's position from now on will reach the subscription
   * (EVENT_STREAM_LIMIT when the tenant already holds options.perTenant of them here).
   */
  async subscribe(filter: TailFilter): Promise<TailSubscription> {
    if (this.closed) throw new MailroomError("UNAVAILABLE", "The server is shutting down");
    const held = [...this.subscribers].filter((s) => s.filter.tenantId === filter.tenantId).length;
    if (held >= this.options.perTenant) {
      throw new MailroomError(
        "EVENT_STREAM_LIMIT",
        `You have ${held} event streams open on this server, the most allowed; close one first`,
      );
    }
    const subscription = new TailSubscription(filter, (s) => this.unsubscribe(s));
    this.subscribers.add(subscription);
    try {
      await this.start();
    } catch (err) {
      subscription.close();
      throw err;
    }
    return subscription;
  }

  /** Ends every subscription (server shutdown) and stops reading. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.subscribers]) s.close();
    await this.stop();
  }

  private unsubscribe(s: TailSubscription): void {
    this.subscribers.delete(s);
    if (this.subscribers.size === 0) void this.stop();
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      this.position = await currentEventPosition(this.deps.db);
      if (this.deps.listen) {
        try {
          this.unlisten = await this.deps.listen(EVENTS_CHANNEL, () => this.wake());
        } catch (err) {
          // The poll still reads everything, only later.
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "LISTEN for events failed; polling only");
        }
      }
      this.timer = setInterval(() => this.wake(), this.options.pollMs ?? POLL_MS);
      this.timer.unref();
    })().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async stop(): Promise<void> {
    const starting = this.starting;
    if (!starting) return;
    await starting.catch(() => undefined);
    // Someone subscribed again meanwhile: keep going.
    if (this.subscribers.size > 0 && !this.closed) return;
    this.starting = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.position = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
  }

  private wake(): void {
    if (this.subscribers.size === 0 || this.position === undefined) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readForward()
      .catch((err: unknown) => this.log.warn({ err }, "reading the event log failed; the next poll retries"))
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.wake();
        }
      });
  }

  private async readForward(): Promise<void> {
    for (;;) {
      const from = this.position;
      if (from === undefined || this.subscribers.size === 0) return;
      const { rows, position } = await readEventsAfter(this.deps.db, from, {}, READ_BATCH);
      // Stopped (and perhaps restarted from a fresh position) while reading: this read is stale.
      if (this.position !== from) return;
      this.position = position;
      for (const row of rows) {
        for (const s of this.subscribers) if (s.matches(row)) s.push(row);
      }
      if (rows.length < READ_BATCH) return;
    }
  }
}
