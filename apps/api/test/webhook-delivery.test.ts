import type { WebhookWorkerOptions } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { WebhookReceiver } from "./support/webhook-receiver.js";

/*
 * Every event here has its real cause: mailbox.created from POST /emails/create, message.received
 * (and message.sent) from a hosted send through POST /send.
 */

const ENV = {
  MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true",
  MAILROOM_WEBHOOK_RETRY_SCHEDULE: "1,1,1",
  // Both servers of the two-process test open the same secrets.
  MAILROOM_SECRETS_KEY: "webhook-delivery-test-secrets-key-0123456789",
};
let server: TestServer;
const webhookTenants = new Set<string>();
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  server = await startTestServer(ENV, { webhookTenants, backgroundJobs: false });
});
afterAll(async () => {
  await server.stop();
  for (const r of receivers) await r.stop();
});

async function receiver(responder?: Parameters<typeof WebhookReceiver.start>[0]) {
  const r = await WebhookReceiver.start(responder);
  receivers.push(r);
  return r;
}

/** A tenant whose webhooks the server's own worker sends (`served`), or nobody's yet. */
async function tenant(served = true) {
  const t = await server.createTenant();
  if (served) webhookTenants.add(t.id);
  return t;
}

async function addWebhook(key: string, url: string, body: Record<string, unknown> = {}) {
  const res = await server.call("POST", "/api/v1/webhooks", { key, body: { url, ...body } });
  if (res.status !== 201) throw new Error(`add webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; secret: string };
}

/** `n` mailbox.created events, numbered 0… in their addresses (`wh<i>-…`), by creating mailboxes. */
async function emit(t: { api_key: string }, n = 1): Promise<string[]> {
  const addresses: string[] = [];
  for (let i = 0; i < n; i++) addresses.push(await createMailbox(t.api_key, `wh${i}`));
  return addresses;
}

async function createMailbox(key: string, prefix: string): Promise<string> {
  const address = `${prefix}-${Math.random().toString(36).slice(2, 10)}@mailroom.localhost`;
  const res = await server.call("POST", "/api/v1/emails/create", { key, body: { email: address } });
  expect(res.status).toBe(201);
  return address;
}

/** A hosted send: message.received for `to` (and message.sent, delivery.sent for `from`). */
async function send(key: string, from: string, to: string, subject: string): Promise<void> {
  const res = await server.call("POST", "/api/v1/send", { key, body: { from, to, subject, text: subject } });
  expect(res.status).toBeLessThan(300);
}

/** The number in a mailbox.created event's address. */
function numberOf(event: { data: Record<string, unknown> }): number {
  return Number(/^wh(\d+)-/.exec(String(event.data.address))?.[1]);
}

async function deliveries(key: string, hookId: string, query = "") {
  const res = await server.call("GET", `/api/v1/webhooks/${hookId}/deliveries${query}`, { key });
  expect(res.status).toBe(200);
  return res.body.deliveries as {
    id: string;
    event_id: string;
    event_type: string;
    status: string;
    attempts: number;
    last_http_status: number | null;
    last_error: string | null;
    next_attempt_at: string | null;
    history: { at: string; http_status: number | null; duration_ms: number; error: string | null }[];
  }[];
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A worker of this test's own, for options the server's worker does not have (a short timeout). */
function ownWorker(tenantId: string, options: WebhookWorkerOptions = {}) {
  return server.app.core.webhooks.createWorker({ tenantIds: new Set([tenantId]), concurrency: 2, ...options }).start();
}

describe("webhook delivery", () => {
  it("retries a failing endpoint on the schedule with the same webhook-id, and lists every attempt", async () => {
    const r = await receiver((n, _req, res) => {
      res.statusCode = n < 2 ? 500 : 200;
      res.end(n < 2 ? "busy, try later" : "ok");
    });
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    await emit(t);
    await r.waitFor((x) => x.requests.length >= 3);
    const ids = new Set(r.requests.map((q) => q.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    const [d] = await until(
      () => deliveries(t.api_key, hook.id),
      (list) => list[0]?.status === "succeeded",
    );
    expect(d).toMatchObject({
      event_type: "mailbox.created",
      attempts: 3,
      last_http_status: 200,
      last_error: null,
      next_attempt_at: null,
    });
    expect(d!.event_id).toBe([...ids][0]);
    expect(d!.history.map((a) => a.http_status)).toEqual([500, 500, 200]);
    expect(d!.history[0]!.error).toBe("HTTP 500: busy, try later");
    // Each attempt signs anew: the timestamps may differ, the id never does.
    expect(r.requests.every((q) => Number(q.headers["webhook-timestamp"]) > 0)).toBe(true);
  });

  it("fails a delivery once the schedule is spent; retry sends it again", async () => {
    let healthy = false;
    const r = await receiver((_n, _req, res) => {
      res.statusCode = healthy ? 204 : 503;
      res.end();
    });
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    await emit(t);
    const [failed] = await until(
      () => deliveries(t.api_key, hook.id),
      (list) => list[0]?.status === "failed",
    );
    expect(failed).toMatchObject({ attempts: 4, last_http_status: 503, last_error: "HTTP 503", next_attempt_at: null });
    expect(r.requests).toHaveLength(4);

    healthy = true;
    const missing = await server.call("POST", `/api/v1/webhooks/${hook.id}/deliveries/whd_01m7x62m9h5wcf1k7r3e8d0p2s/retry`, {
      key: t.api_key,
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: "WEBHOOK_DELIVERY_NOT_FOUND", error: "Webhook delivery not found" });
    const retried = await server.call("POST", `/api/v1/webhooks/${hook.id}/deliveries/${failed!.id}/retry`, { key: t.api_key });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: failed!.id, status: "pending", attempts: 4 });
    const [done] = await until(
      () => deliveries(t.api_key, hook.id),
      (list) => list[0]?.status === "succeeded",
    );
    expect(done).toMatchObject({ attempts: 5, last_http_status: 204 });
    expect(r.requests).toHaveLength(5);
  });

  it("410 Gone disables the endpoint at once, with a webhook.disabled event; PATCH enabled re-enables it", async () => {
    // The 410 waits until all three events are queued for the endpoint: events that happen while
    // it is disabled are not queued at all.
    let release!: () => void;
    const queued = new Promise<void>((resolve) => (release = resolve));
    const gone = await receiver((_n, _req, res) => {
      void queued.then(() => {
        res.statusCode = 410;
        res.end();
      });
    });
    const watcher = await receiver();
    const t = await tenant();
    const hook = await addWebhook(t.api_key, gone.url);
    await addWebhook(t.api_key, watcher.url, { events: ["webhook.disabled"] });
    await emit(t, 3);
    await server.app.core.webhooks.dispatch();
    release();
    const disabled = await until(
      () => server.call("GET", `/api/v1/webhooks/${hook.id}`, { key: t.api_key }),
      (res) => res.body.enabled === false,
    );
    expect(disabled.body).toMatchObject({ disabled_reason: "The endpoint answered 410 Gone", disabled_at: expect.any(String) });
    // Nothing more went to it after the 410.
    expect(gone.requests).toHaveLength(1);
    const logged = await server.app.core.deps.db
      .selectFrom("events")
      .selectAll()
      .where("tenant_id", "=", t.id)
      .where("type", "=", "webhook.disabled")
      .execute();
    expect(logged).toHaveLength(1);
    expect(logged[0]!.data).toMatchObject({ webhook_id: hook.id, reason: "The endpoint answered 410 Gone" });
    await watcher.waitFor((w) => w.events().some((e) => e.type === "webhook.disabled"));
    expect(watcher.events().find((e) => e.type === "webhook.disabled")!.data).toMatchObject({ webhook_id: hook.id });

    gone.respondWith((_n, _req, res) => res.end("ok"));
    const enabled = await server.call("PATCH", `/api/v1/webhooks/${hook.id}`, { key: t.api_key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    // The two events still pending go out once it is enabled again.
    await gone.waitFor((g) => g.requests.length >= 3);
  });

  it("disables an endpoint that has failed every attempt for 3 days", async () => {
    const r = await receiver((_n, _req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    // Three days of failures, without waiting them out.
    await server.app.core.deps.db
      .updateTable("webhook_endpoints")
      .set({ failing_since: new Date(Date.now() - 73 * 3600 * 1000) })
      .where("id", "=", hook.id)
      .execute();
    await emit(t);
    const disabled = await until(
      () => server.call("GET", `/api/v1/webhooks/${hook.id}`, { key: t.api_key }),
      (res) => res.body.enabled === false,
    );
    expect(disabled.body.disabled_reason).toMatch(/^Every attempt has failed since .* \(3 days\)$/);
  });

  it("prunes finished deliveries older than the event retention, never pending ones", async () => {
    const r = await receiver();
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    await emit(t);
    await until(
      () => deliveries(t.api_key, hook.id),
      (list) => list[0]?.status === "succeeded",
    );
    const db = server.app.core.deps.db;
    await db
      .updateTable("webhook_deliveries")
      .set({ updated_at: new Date(Date.now() - 31 * 86_400_000) })
      .where("endpoint_id", "=", hook.id)
      .execute();
    await server.call("PATCH", `/api/v1/webhooks/${hook.id}`, { key: t.api_key, body: { enabled: false } });
    await emit(t);
    await server.app.core.webhooks.dispatch();
    await server.call("POST", `/api/v1/webhooks/${hook.id}/replay`, {
      key: t.api_key,
      body: { since: new Date(Date.now() - 60_000).toISOString(), types: ["mailbox.created"] },
    });
    await db
      .updateTable("webhook_deliveries")
      .set({ updated_at: new Date(Date.now() - 31 * 86_400_000) })
      .where("endpoint_id", "=", hook.id)
      .where("status", "=", "pending")
      .execute();
    expect(await server.app.core.maintenance.pruneWebhookDeliveries()).toBeGreaterThanOrEqual(1);
    const left = await deliveries(t.api_key, hook.id);
    expect(left.map((d) => d.status)).toEqual(["pending", "pending"]);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const r = await receiver((_n, req, res) => {
      if (req.url.endsWith("/elsewhere")) return res.end("ok");
      res.writeHead(302, { location: "/hook/elsewhere" });
      res.end();
    });
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    await emit(t);
    const [d] = await until(
      () => deliveries(t.api_key, hook.id),
      (list) => (list[0]?.attempts ?? 0) >= 1,
    );
    expect(d!.history[0]).toMatchObject({
      http_status: 302,
      error: "HTTP 302: redirects are not followed (Location: /hook/elsewhere)",
    });
    expect(r.requests.some((q) => q.url.endsWith("/elsewhere"))).toBe(false);
  });

  it("gives up an attempt at the timeout and retries it", async () => {
    const r = await receiver(() => {
      // never answers
    });
    const t = await tenant(false);
    const hook = await addWebhook(t.api_key, r.url);
    const worker = ownWorker(t.id, { timeoutMs: 300 });
    try {
      await emit(t);
      const [d] = await until(
        () => deliveries(t.api_key, hook.id),
        (list) => (list[0]?.attempts ?? 0) >= 2,
      );
      expect(d!.history[0]).toMatchObject({ http_status: null, error: "timed out after 300 ms" });
      expect(d!.status).not.toBe("succeeded");
    } finally {
      await worker.stop();
    }
  });

  it("reads at most 64 KB of a response and keeps about 1 KB of it", async () => {
    const r = await receiver((_n, _req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      // An answer that never ends: the worker must stop reading on its own.
      const timer = setInterval(() => res.write("x".repeat(8192)), 5);
      res.on("close", () => clearInterval(timer));
    });
    const t = await tenant();
    const hook = await addWebhook(t.api_key, r.url);
    await emit(t);
    const [d] = await until(
      () => deliveries(t.api_key, hook.id),
      (list) => (list[0]?.attempts ?? 0) >= 1,
    );
    const error = d!.history[0]!.error!;
    expect(error.startsWith("HTTP 500: xxxx")).toBe(true);
    expect(error.length).toBeLessThanOrEqual("HTTP 500: ".length + 1024);
    expect(error).not.toMatch(/timed out/);
  });

  it("sends each endpoint its events oldest first, and only events after its creation; replay sends older ones", async () => {
    const r = await receiver();
    const t = await tenant();
    const from = await createMailbox(t.api_key, "from");
    const to = await createMailbox(t.api_key, "to");
    await send(t.api_key, from, to, "m0");
    await send(t.api_key, from, to, "m1");
    const hook = await addWebhook(t.api_key, r.url, { events: ["mailbox.created"] });
    await emit(t, 12);
    await r.waitFor((x) => x.requests.length >= 12);
    expect(r.events().map(numberOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await server.app.core.webhooks.dispatch();
    expect(await deliveries(t.api_key, hook.id)).toHaveLength(12);

    const replay = await server.call("POST", `/api/v1/webhooks/${hook.id}/replay`, {
      key: t.api_key,
      body: { since: new Date(Date.now() - 3600_000).toISOString(), types: ["message.received"] },
    });
    // Replay stays within the endpoint's own filter: message.received is not among its events.
    expect(replay).toMatchObject({ status: 200, body: { queued: 0, limit_reached: false } });
    await server.call("PATCH", `/api/v1/webhooks/${hook.id}`, { key: t.api_key, body: { events: ["*"] } });
    const again = await server.call("POST", `/api/v1/webhooks/${hook.id}/replay`, {
      key: t.api_key,
      body: { since: new Date(Date.now() - 3600_000).toISOString(), types: ["message.received"] },
    });
    expect(again).toMatchObject({ status: 200, body: { queued: 2, limit_reached: false } });
    await r.waitFor((x) => x.requests.length >= 14);
    expect(
      r
        .events()
        .slice(12)
        .map((e) => [e.type, e.data.subject]),
    ).toEqual([
      ["message.received", "m0"],
      ["message.received", "m1"],
    ]);

    const bad = await server.call("POST", `/api/v1/webhooks/${hook.id}/replay`, {
      key: t.api_key,
      body: { since: "2026-11-20T10:00:00Z", until: "2026-11-20T09:00:00Z" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: "VALIDATION_ERROR",
      details: [{ path: ["until"], message: "Until must be after since" }],
    });
    expect(await deliveries(t.api_key, hook.id)).toHaveLength(14);
  });

  it("filters by event type and mailbox", async () => {
    const r = await receiver();
    const t = await tenant();
    const mailbox = await server.call("POST", "/api/v1/emails/create", {
      key: t.api_key,
      body: { email: `hooks-${Math.random().toString(36).slice(2, 10)}@mailroom.localhost` },
    });
    expect(mailbox.status).toBe(201);
    const mailboxId = mailbox.body.data.id as string;
    const wanted = mailbox.body.data.email as string;
    const sender = await createMailbox(t.api_key, "sender");
    const hook = await addWebhook(t.api_key, r.url, { events: ["message.received"], mailbox_ids: [mailboxId] });
    const other = await createMailbox(t.api_key, "other"); // mailbox.created: another type, another mailbox
    await send(t.api_key, sender, wanted, "wanted"); // also message.sent: another type
    await send(t.api_key, sender, other, "other mailbox");
    await send(t.api_key, sender, wanted, "wanted too");
    await r.waitFor((x) => x.requests.length >= 2);
    await server.app.core.webhooks.dispatch();
    expect((await deliveries(t.api_key, hook.id)).map((d) => d.event_type)).toEqual(["message.received", "message.received"]);
    expect(r.events().map((e) => e.data.subject)).toEqual(["wanted", "wanted too"]);
  });
});

describe("a secret this server cannot open", () => {
  it("the endpoint waits out its lease between tries, instead of crashing in a loop", async () => {
    const lines: string[] = [];
    // Another server on the database, started with another MAILROOM_SECRETS_KEY (a misconfigured node).
    const other = await startTestServer(
      { ...ENV, MAILROOM_SECRETS_KEY: "another-secrets-key-nobody-sealed-with-0123" },
      { backgroundJobs: false, logTo: { write: (line: string) => void lines.push(line) } },
    );
    const r = await receiver();
    const t = await tenant(false);
    const hook = await addWebhook(t.api_key, r.url);
    const worker = other.app.core.webhooks.createWorker({ tenantIds: new Set([t.id]), leaseSeconds: 1 }).start();
    try {
      await emit(t);
      await new Promise((done) => setTimeout(done, 2500));
      const crashes = lines.filter((line) => line.includes("webhook session crashed") && line.includes(hook.id));
      // One try per lease (about three in 2.5 s), not one per turn of the loop.
      expect(crashes.length).toBeGreaterThanOrEqual(1);
      expect(crashes.length).toBeLessThanOrEqual(4);
      expect(r.requests).toHaveLength(0);
      const [d] = await deliveries(t.api_key, hook.id);
      expect(d).toMatchObject({ status: "pending", attempts: 0 });
    } finally {
      await worker.stop();
      await other.stop();
    }
  }, 30_000);
});

describe("webhook workers in two processes", () => {
  it("deliver every event at least once, and none twice when no lease ran out", async () => {
    const second = await startTestServer(ENV, { webhookTenants, backgroundJobs: false });
    try {
      const rs = [await receiver(), await receiver(), await receiver()];
      const t = await tenant();
      for (const r of rs) await addWebhook(t.api_key, r.url);
      const n = 40;
      await emit(t, n);
      for (const r of rs) await r.waitFor((x) => new Set(x.requests.map((q) => q.headers["webhook-id"])).size >= n, 60_000);
      for (const r of rs) {
        const ids = r.requests.map((q) => q.headers["webhook-id"]);
        expect(new Set(ids).size).toBe(n);
        // No lease ran out in this test (each is renewed by a live worker), so no duplicates.
        expect(ids.length - new Set(ids).size).toBe(0);
        // And each endpoint, whichever process sent to it, got them in order.
        expect(r.events().map(numberOf)).toEqual([...Array(n).keys()]);
      }
    } finally {
      await second.stop();
    }
  }, 90_000);

  it("a worker that dies mid-attempt loses its endpoint when the lease runs out; another sends again (at least once)", async () => {
    const r = await receiver((n, _req, res) => {
      // The first request hangs past the dead worker's lease.
      if (n === 0) setTimeout(() => res.end("late"), 2500);
      else res.end("ok");
    });
    const t = await tenant(false);
    const hook = await addWebhook(t.api_key, r.url);
    const first = ownWorker(t.id, { leaseSeconds: 1, concurrency: 1 });
    await emit(t);
    await r.waitFor((x) => x.requests.length >= 1);
    first.abandon();
    const second = ownWorker(t.id, { leaseSeconds: 1, concurrency: 1 });
    try {
      await r.waitFor((x) => x.requests.length >= 2);
      const [d] = await until(
        () => deliveries(t.api_key, hook.id),
        (list) => list[0]?.status === "succeeded",
      );
      const ids = r.requests.map((q) => q.headers["webhook-id"]);
      // Delivered twice: once by each worker, the same event id both times.
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe(d!.event_id);
      await new Promise((done) => setTimeout(done, 3000));
      // The dead worker's late result was not recorded over the live one's.
      const [after] = await deliveries(t.api_key, hook.id);
      expect(after).toMatchObject({ status: "succeeded", attempts: 1 });
    } finally {
      await second.stop();
      await first.stop();
    }
  }, 30_000);
});
