import { WorkSlots } from "../workers/work-slots.js";
import { randomUUID } from "node:crypto";
import type { CoreDeps } from "../deps.js";
import { EVENTS_CHANNEL, toEvent } from "../events/event-log.js";
import { dispatchAll } from "./webhook-dispatcher.js";
import { type AttemptResult, WebhookSender } from "./webhook-request.js";
import { afterAttempt, endpointHealth } from "./webhook-retry.js";
import { targetPolicy } from "./webhook-target.js";
import {
  claimEndpoints,
  type DeliveryOutcome,
  type DueDelivery,
  disableEndpoint,
  findDueDeliveries,
  lockHeldEndpoint,
  recordOutcomes,
  releaseEndpoint,
  renewEndpointLeases,
  setEndpointHealth,
} from "./webhook.repository.js";
import type { WebhookEndpointRow } from "./webhook.table.js";
import type { WebhookSecrets } from "./webhook-secrets.js";

export interface WebhookWorkerOptions {
  /** Endpoints sent to at once (each one's deliveries go one after another). */
  concurrency?: number;
  /** How often an idle worker dispatches and looks for due deliveries (an event wakes it sooner). */
  pollMs?: number;
  /** How long a claim holds an endpoint without a heartbeat; renewed every third of it. */
  leaseSeconds?: number;
  /** Deliveries sent per batch, whose results are recorded together. */
  batchSize?: number;
  /** Time for one whole attempt (connect, send, answer); default 10 s. */
  timeoutMs?: number;
  /** Only these tenants' endpoints (read at every claim); absent = every tenant. For tests sharing a database. */
  tenantIds?: ReadonlySet<string>;
}

/**
 * Delivers webhooks at least once: dispatches new events into deliveries, claims whole endpoints
 * with a lease (FOR UPDATE SKIP LOCKED, like the mail queue), and sends each one's due deliveries
 * in event order. Any number may run against one database; an endpoint is sent to by one at a time.
 */
export class WebhookWorker {
  /** Lease tokens of the endpoints being sent to now, for the heartbeat. */
  private readonly heldTokens = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly slots: WorkSlots;
  private readonly leaseSeconds: number;
  private readonly batchSize: number;
  private readonly sender: WebhookSender;
  private readonly log;

  constructor(
    private readonly deps: CoreDeps,
    private readonly secrets: WebhookSecrets,
    private readonly options: WebhookWorkerOptions = {},
  ) {
    this.slots = new WorkSlots(options.concurrency ?? deps.config.webhooks.concurrency, options.pollMs ?? 1000);
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.batchSize = options.batchSize ?? 50;
    this.sender = new WebhookSender({ ...targetPolicy(deps.config), timeoutMs: options.timeoutMs });
    this.log = deps.logger.child({ component: "webhook-worker" });
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = this.run();
    this.heartbeat = setInterval(
      () => {
        renewEndpointLeases(this.deps.db, [...this.heldTokens], this.leaseSeconds).catch((err: unknown) =>
          this.log.warn({ err }, "renewing webhook leases failed"),
        );
      },
      (this.leaseSeconds * 1000) / 3,
    );
    this.heartbeat.unref();
    // New events wake the worker at once (the trigger notifies per inserting statement).
    this.deps
      .listen?.(EVENTS_CHANNEL, () => this.kick())
      .then(
        (unlisten) => {
          if (this.running) this.unlisten = unlisten;
          else void unlisten();
        },
        (err: unknown) => this.log.warn({ err }, "listening for events failed; polling only"),
      );
    return this;
  }

  /** Look at the log and the queue now. */
  kick(): void {
    this.slots.wake();
  }

  /** Start no new attempt; wait for those in flight to finish and be recorded, and release the endpoints. */
  async stop(): Promise<void> {
    this.running = false;
    this.slots.wake();
    await this.loop;
    await this.slots.settled();
    clearInterval(this.heartbeat);
    await this.unlisten?.().catch(() => undefined);
    this.sender.close();
  }

  /** What a crash looks like: claim and renew nothing more at once, leaving leases to run out. */
  abandon(): void {
    this.running = false;
    this.slots.wake();
    clearInterval(this.heartbeat);
    this.heldTokens.clear();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        await dispatchAll(this.deps.db);
        const free = this.slots.free;
        if (free > 0) {
          const token = randomUUID();
          const endpoints = await claimEndpoints(this.deps.db, {
            limit: free,
            leaseSeconds: this.leaseSeconds,
            leaseToken: token,
            tenantIds: this.options.tenantIds ? [...this.options.tenantIds] : undefined,
          });
          claimed = endpoints.length;
          for (const endpoint of endpoints) this.slots.track(this.session(endpoint, token));
        }
      } catch (err) {
        this.log.warn({ err }, "dispatching or claiming webhooks failed");
      }
      if (!this.running) break;
      if (claimed === 0 || this.slots.full) await this.slots.pause();
    }
  }

  /** Send a claimed endpoint's due deliveries, batch by batch, then hand the endpoint back. */
  private async session(endpoint: WebhookEndpointRow, token: string): Promise<void> {
    const log = this.log.child({ webhookId: endpoint.id });
    this.heldTokens.add(token);
    let crashed = false;
    try {
      const secrets = this.secrets.forSigning(endpoint);
      while (this.running) {
        const due = await findDueDeliveries(this.deps.db, endpoint.id, this.batchSize);
        if (due.length === 0) break;
        const { keep } = await this.sendBatch(endpoint, token, secrets, due, log);
        if (!keep) break;
      }
    } catch (err) {
      // Not released: the endpoint waits out its lease before the next claim tries again. Released
      // at once, a fault that repeats (a secret sealed under another MAILROOM_SECRETS_KEY) would be
      // claimed, crash and be logged in a tight loop that starves every other query.
      crashed = true;
      log.error({ err, retryInSeconds: this.leaseSeconds }, "webhook session crashed");
    } finally {
      this.heldTokens.delete(token);
      if (!crashed) {
        await releaseEndpoint(this.deps.db, endpoint.id, token).catch((err: unknown) =>
          log.warn({ err }, "releasing a webhook endpoint failed"),
        );
      }
    }
  }

  /** One batch, in event order, then its results in one transaction; keep = go on with this endpoint. */
  private async sendBatch(
    endpoint: WebhookEndpointRow,
    token: string,
    secrets: string[],
    due: DueDelivery[],
    log: CoreDeps["logger"],
  ): Promise<{ keep: boolean }> {
    const results: AttemptResult[] = [];
    const outcomes: DeliveryOutcome[] = [];
    for (const delivery of due) {
      if (!this.running) break;
      const result = await this.attempt(endpoint.url, secrets, delivery);
      // An event pruned from the log cannot be sent, ever; that says nothing of the endpoint's health.
      const gone = delivery.type === null;
      if (!gone) results.push(result);
      const state = gone
        ? { status: "failed" as const, nextAttemptAt: null }
        : afterAttempt(result, delivery.attempts + 1, this.deps.config.webhooks.retryScheduleSeconds, new Date());
      outcomes.push({ id: delivery.id, status: state.status, nextAttemptAt: state.nextAttemptAt, attempt: result });
      log.info(
        {
          deliveryId: delivery.id,
          eventId: delivery.event_id,
          status: result.httpStatus,
          error: result.error,
          next: state.status,
        },
        "webhook attempt",
      );
      if (result.httpStatus === 410) break;
    }
    const recorded = await this.deps.db.transaction().execute(async (trx) => {
      const held = await lockHeldEndpoint(trx, endpoint.id, token);
      if (!held) return undefined;
      await recordOutcomes(trx, outcomes);
      const health = endpointHealth(held.failing_since, results, new Date());
      if (health.disableReason && held.enabled) {
        await disableEndpoint(trx, held, health.disableReason);
        return { disabled: health.disableReason };
      }
      await setEndpointHealth(trx, held.id, { failing_since: health.failingSince });
      return { disabled: undefined };
    });
    if (!recorded) {
      log.warn("lease ran out before the batch was recorded; another worker has the endpoint");
      return { keep: false };
    }
    if (recorded.disabled) log.warn({ reason: recorded.disabled }, "webhook endpoint disabled");
    return { keep: !recorded.disabled && this.running };
  }

  private async attempt(url: string, secrets: string[], delivery: DueDelivery): Promise<AttemptResult> {
    if (delivery.type === null || delivery.created_at === null) {
      return { at: new Date(), success: false, httpStatus: null, durationMs: 0, error: "the event is no longer in the log" };
    }
    const event = toEvent({ id: delivery.event_id, type: delivery.type, created_at: delivery.created_at, data: delivery.data });
    return this.sender.send({ url, secrets, event });
  }
}
