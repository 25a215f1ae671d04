import { WorkSlots } from "../workers/work-slots.js";
import { randomUUID } from "node:crypto";
import type { CoreDeps } from "../deps.js";
import { deliveryEvent } from "../events/delivery-events.js";
import { prepareBounceNotice } from "./bounce-notice.js";
import {
  claimDueDeliveries,
  finishDeliveries,
  finishDelivery,
  findOutboundForDeliveries,
  releaseDelivery,
  renewLeases,
  type DeliveryResult,
  type OutboundForDelivery,
} from "./delivery.repository.js";
import type { DeliveryRow } from "./delivery.table.js";
import type { HostedStore } from "./hosted-store.js";
import type { RemoteTransport } from "./remote-transport.js";
import { nextStep, type AttemptOutcome } from "./retry-schedule.js";

export interface DeliveryWorkerOptions {
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How often an idle worker looks for due rows (a kick wakes it sooner). */
  pollMs?: number;
  /**
   * How long a claim holds a row without a heartbeat. Short, so a killed worker's rows come back
   * soon; a live worker renews its claims every third of it, however long an attempt takes.
   */
  leaseSeconds?: number;
  /**
   * Only these tenants' rows (read at every claim). For tests that share one database between
   * processes, and for dedicating workers; absent = every tenant.
   */
  tenantIds?: ReadonlySet<string>;
  /** Replaces the SMTP hand-over (tests). */
  transport?: RemoteTransport;
}

/** Claims due recipients from the queue and delivers them; any number may run against one database. */
export class DeliveryWorker {
  /** Lease tokens of the rows being delivered now (a claim's rows share one), for the heartbeat. */
  private readonly heldTokens = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly slots: WorkSlots;
  private readonly leaseSeconds: number;
  private readonly log;
  /** Results waiting to be recorded together (one statement per turn of the event loop). */
  private readonly results: { result: DeliveryResult; resolve: (recorded: boolean) => void; reject: (err: unknown) => void }[] =
    [];
  private resultsScheduled = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly transport: RemoteTransport,
    private readonly hosted: HostedStore,
    private readonly options: DeliveryWorkerOptions = {},
  ) {
    this.slots = new WorkSlots(options.concurrency ?? deps.config.sending.concurrency, options.pollMs ?? 1000);
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.log = deps.logger.child({ component: "delivery-worker" });
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = this.run();
    this.heartbeat = setInterval(
      () => {
        renewLeases(this.deps.db, [...this.heldTokens.keys()], this.leaseSeconds).catch((err: unknown) =>
          this.log.warn({ err }, "renewing delivery leases failed"),
        );
      },
      (this.leaseSeconds * 1000) / 3,
    );
    this.heartbeat.unref();
    return this;
  }

  /** Look at the queue now (something was just enqueued). */
  kick(): void {
    this.slots.wake();
  }

  /** Claim nothing more, and wait for every delivery in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.slots.wake();
    await this.loop;
    await this.slots.settled();
    clearInterval(this.heartbeat);
    this.transport.close?.();
  }

  /**
   * What a crash looks like to the queue: claim nothing more and stop renewing leases at once,
   * leaving deliveries in flight to run out their leases (another worker retries them).
   */
  abandon(): void {
    this.running = false;
    this.slots.wake();
    clearInterval(this.heartbeat);
    this.heldTokens.clear();
  }

  /** Claim and deliver until the queue has nothing due (tests drive workers with this). */
  async drain(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const rows = await this.claim(this.slots.concurrency);
      if (rows.length === 0) break;
      const messages = await this.messagesFor(rows);
      await Promise.all(rows.map((row) => this.deliver(row, messages.get(row.message_id))));
      delivered += rows.length;
    }
    return delivered;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      const free = this.slots.free;
      if (free > 0) {
        try {
          const rows = await this.claim(free);
          claimed = rows.length;
          const messages = await this.messagesFor(rows);
          for (const row of rows) this.slots.track(this.deliver(row, messages.get(row.message_id)));
        } catch (err) {
          this.log.warn({ err }, "claiming deliveries failed");
        }
      }
      if (!this.running) break;
      // Full, or nothing due: wait for a slot, a kick, or the next poll.
      if (claimed === 0 || this.slots.full) await this.slots.pause();
    }
  }

  private claim(limit: number): Promise<DeliveryRow[]> {
    const tenantIds = this.options.tenantIds ? [...this.options.tenantIds] : undefined;
    return claimDueDeliveries(this.deps.db, {
      limit,
      leaseSeconds: this.leaseSeconds,
      leaseToken: randomUUID(),
      tenantIds,
    });
  }

  /** The claimed rows' messages in one query; when it fails, each row is handed back and claimed again. */
  private messagesFor(rows: DeliveryRow[]): Promise<Map<string, OutboundForDelivery>> {
    return findOutboundForDeliveries(
      this.deps.db,
      rows.map((r) => r.message_id),
    ).catch((err: unknown) => {
      this.log.warn({ err }, "reading claimed messages failed");
      return new Map<string, OutboundForDelivery>();
    });
  }

  /** Resolves true when the row was still ours and now holds the result. */
  private record(result: DeliveryResult): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.results.push({ result, resolve, reject });
      if (this.resultsScheduled) return;
      this.resultsScheduled = true;
      setImmediate(() => {
        this.resultsScheduled = false;
        const batch = this.results.splice(0);
        finishDeliveries(
          this.deps.db,
          batch.map((b) => b.result),
        ).then(
          (recorded) => {
            for (const b of batch) b.resolve(recorded.has(b.result.id));
          },
          (err: unknown) => {
            for (const b of batch) b.reject(err);
          },
        );
      });
    });
  }

  /** One attempt for one recipient, and its result recorded under the claim's lease. */
  private async deliver(row: DeliveryRow, message: OutboundForDelivery | undefined): Promise<void> {
    const token = row.lease_token!;
    if (this.running) this.heldTokens.set(token, (this.heldTokens.get(token) ?? 0) + 1);
    try {
      await this.attempt(row, token, message);
    } finally {
      const left = (this.heldTokens.get(token) ?? 1) - 1;
      if (left > 0) this.heldTokens.set(token, left);
      else this.heldTokens.delete(token);
    }
  }

  private async attempt(row: DeliveryRow, token: string, message: OutboundForDelivery | undefined): Promise<void> {
    const log = this.log.child({ deliveryId: row.id, messageId: row.message_id, attempt: row.attempts });
    try {
      if (!message) {
        // The message (its tenant) was deleted meanwhile: nothing left to deliver.
        await releaseDelivery(this.deps.db, row.id, token);
        return;
      }
      const raw = Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength);
      const outcome: AttemptOutcome = await this.transport({ from: message.from_address, to: row.recipient }, raw);
      const step = nextStep(outcome, row.attempts, new Date(), row.deliver_by, this.deps.config.sending.retryScheduleSeconds);
      const patch = { status: step.status, next_attempt_at: step.nextAttemptAt, last_response: outcome.response.slice(0, 1000) };
      const event = deliveryEvent(
        { tenantId: message.tenant_id, mailboxId: message.sender_mailbox_id, domainId: message.sender_domain_id },
        {
          deliveryId: row.id,
          messageId: row.message_id,
          recipient: row.recipient,
          from: message.from_address,
          subject: message.subject,
          status: step.status,
          attempt: row.attempts,
          response: patch.last_response,
          nextAttemptAt: step.nextAttemptAt,
        },
      );
      const result = { id: row.id, leaseToken: token, patch, event };
      const gaveUp = step.status === "bounced" || step.status === "failed" ? step.status : undefined;
      const notice =
        gaveUp && message.sender_mailbox_id
          ? await prepareBounceNotice(this.deps, this.hosted, {
              sender: message.from_address,
              senderMailboxId: message.sender_mailbox_id,
              senderDomainId: message.sender_domain_id,
              tenantId: message.tenant_id,
              recipient: row.recipient,
              status: gaveUp,
              response: outcome.response,
              attempts: row.attempts,
              original: raw,
            })
          : undefined;

      // Without a notice to store with it (the usual case), the result joins this turn's batch.
      const after = notice
        ? await this.deps.db.transaction().execute(async (trx) => {
            if (!(await finishDelivery(trx, result))) return undefined;
            return (await notice.store(trx)).afterCommit;
          })
        : (await this.record(result))
          ? () => undefined
          : undefined;
      if (!after) {
        log.warn("lease ran out before the attempt was recorded; another worker has the row");
        return;
      }
      after();
      log.info(
        {
          status: step.status,
          recipientDomain: row.recipient.slice(row.recipient.indexOf("@") + 1),
          response: patch.last_response,
          bounceNotice: Boolean(notice),
        },
        "delivery attempt",
      );
    } catch (err) {
      // The row stays claimed; its lease runs out and the next claim retries it.
      log.error({ err }, "delivery attempt crashed");
    }
  }
}
