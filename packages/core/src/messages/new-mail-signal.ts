import type { CoreDeps } from "../deps.js";

/** The PostgreSQL channel each stored copy is announced on: payload `<mailbox id>:<message id>`. */
export const NEW_MAIL_CHANNEL = "mailroom_new_mail";

export type NewMailHandler = (messageId: string) => void;

/**
 * Tells waiters that a message for a mailbox was committed. Fed by LISTEN (so mail stored by any
 * process on the database counts) and, as a fast path that also works without LISTEN, by this
 * process's own stores. A waiter may hear of one message twice; it re-reads the row either way.
 */
export class NewMailSignal {
  private readonly handlers = new Map<string, Set<NewMailHandler>>();
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;
  private readonly closeHandlers = new Set<() => void>();
  /** Subscribers per mailbox whose subscribe() has resolved: they can no longer miss a commit. */
  private readonly ready = new Map<string, number>();
  private readonly readyWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly deps: Pick<CoreDeps, "listen" | "logger">) {}

  /** Start hearing `mailboxId`'s new mail; resolves once nothing committed from now on can be missed. */
  async subscribe(mailboxId: string, handler: NewMailHandler): Promise<() => void> {
    if (this.closed) throw new Error("new-mail signal closed");
    const set = this.handlers.get(mailboxId) ?? new Set();
    this.handlers.set(mailboxId, set);
    set.add(handler);
    let counted = false;
    const unsubscribe = () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(mailboxId) === set) this.handlers.delete(mailboxId);
      if (counted) this.markReady(mailboxId, -1);
      counted = false;
    };
    try {
      await this.startListening();
    } catch (err) {
      // Without LISTEN this process still hears its own deliveries; say so once per failure.
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "LISTEN for new mail failed");
      this.listening = undefined;
    }
    if (set.has(handler)) {
      counted = true;
      this.markReady(mailboxId, 1);
    }
    return unsubscribe;
  }

  /**
   * Resolves once some waiter for `mailboxId` is subscribed (LISTEN in place): mail committed from
   * then on reaches it. For a caller that must not deliver before the wait can hear it (tests).
   */
  whenSubscribed(mailboxId: string): Promise<void> {
    if ((this.ready.get(mailboxId) ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.readyWaiters.get(mailboxId) ?? new Set();
      this.readyWaiters.set(mailboxId, waiters);
      waiters.add(resolve);
    });
  }

  private markReady(mailboxId: string, delta: 1 | -1): void {
    const n = (this.ready.get(mailboxId) ?? 0) + delta;
    if (n > 0) this.ready.set(mailboxId, n);
    else this.ready.delete(mailboxId);
    if (delta < 0) return;
    const waiters = this.readyWaiters.get(mailboxId);
    this.readyWaiters.delete(mailboxId);
    for (const resolve of waiters ?? []) resolve();
  }

  /** Called by the store after its transaction committed. */
  announce(mailboxId: string, messageId: string): void {
    for (const handler of [...(this.handlers.get(mailboxId) ?? [])]) handler(messageId);
  }

  /** Runs `handler` when the signal closes (server shutdown): waiters give up then. */
  onClose(handler: () => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const handler of [...this.closeHandlers]) handler();
    this.closeHandlers.clear();
    this.handlers.clear();
    await this.unlisten?.().catch(() => undefined);
  }

  private startListening(): Promise<void> {
    const listen = this.deps.listen;
    if (!listen) return Promise.resolve();
    this.listening ??= listen(NEW_MAIL_CHANNEL, (payload) => {
      const sep = payload.indexOf(":");
      if (sep > 0) this.announce(payload.slice(0, sep), payload.slice(sep + 1));
    }).then((unlisten) => {
      this.unlisten = unlisten;
    });
    return this.listening;
  }
}
