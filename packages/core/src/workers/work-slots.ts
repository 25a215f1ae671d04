/**
 * A worker loop's work in flight — at most `concurrency` pieces at once — and the loop's pause,
 * which ends at the next poll, when a slot frees up, or on a wake-up (new work was signalled).
 * The mail delivery worker and the webhook worker run on it.
 */
export class WorkSlots {
  private readonly running = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;

  constructor(
    readonly concurrency: number,
    private readonly pollMs: number,
  ) {}

  /** Pieces that may start now. */
  get free(): number {
    return this.concurrency - this.running.size;
  }

  get full(): boolean {
    return this.running.size >= this.concurrency;
  }

  /** Counts `work` against the slots until it settles. */
  track(work: Promise<void>): void {
    const tracked = work.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Ends the current pause (if any) at once. */
  wake(): void {
    this.wakeUp?.();
  }

  pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      const slot = this.full ? Promise.race([...this.running]) : undefined;
      slot?.then(done, done);
      this.wakeUp = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Resolves once everything in flight now has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
