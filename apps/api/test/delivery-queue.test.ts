import type { DeliveryWorker } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { eventually, FakeSmtp } from "./support/fake-smtp.js";
import { deliveryOf, remoteDomain, sendingTenant } from "./support/sending-helpers.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
});
afterAll(async () => {
  await dns?.stop();
});

async function statuses(server: TestServer, tenantId: string): Promise<Record<string, number>> {
  const rows = await server.app.core.deps.db
    .selectFrom("deliveries")
    .select(["status"])
    .where("tenant_id", "=", tenantId)
    .execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe("smarthost (SMTP_RELAY_URL)", () => {
  it("hands every remote recipient to the relay, logging in with the URL's credentials", async () => {
    const relay = await FakeSmtp.start({ auth: { user: "relay-user", pass: "s3cret:pw" } });
    const tenants = new Set<string>();
    const server = await startTestServer(
      { MAILROOM_DNS_SERVERS: dns.address, SMTP_RELAY_URL: `smtp://relay-user:s3cret%3Apw@127.0.0.1:${relay.port}` },
      { backgroundJobs: false, deliveryTenants: tenants },
    );
    try {
      const t = await sendingTenant(server, dns, tenants);
      // No MX anywhere: the relay is the only way out.
      const res = await server.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: ["a@nowhere.example", "b@elsewhere.example"], subject: "Via relay", text: "x" },
      });
      expect(res.body.status).toBe("queued");
      await eventually(async () => (await statuses(server, t.id)).sent === 2);
      expect(relay.received.map((m) => m.to[0]).sort()).toEqual(["a@nowhere.example", "b@elsewhere.example"]);
      expect(relay.received.every((m) => m.user === "relay-user" && m.from === `hi@${t.domain}`)).toBe(true);
    } finally {
      await server.stop();
      await relay.stop();
    }
  });
});

describe("MAILROOM_DELIVERY_CONCURRENCY=0 (an API/MX-only process)", () => {
  it("queues without delivering; a process with a worker on the same database delivers", async () => {
    const relay = await FakeSmtp.start();
    const tenants = new Set<string>();
    const env = { MAILROOM_DNS_SERVERS: dns.address, SMTP_RELAY_URL: `smtp://127.0.0.1:${relay.port}` };
    const apiOnly = await startTestServer(
      { ...env, MAILROOM_DELIVERY_CONCURRENCY: "0" },
      { backgroundJobs: false, deliveryTenants: tenants },
    );
    try {
      expect(apiOnly.app.deliveryWorker).toBeUndefined();
      const t = await sendingTenant(apiOnly, dns, tenants);
      const res = await apiOnly.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: "far@nowhere.example", subject: "Later", text: "x" },
      });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe("queued");
      // What keeps it queued is that this process has no worker (asserted above): nothing to wait for.
      expect(await statuses(apiOnly, t.id)).toEqual({ queued: 1 });
      expect(relay.received).toHaveLength(0);

      const deliverer = await startTestServer(env, { backgroundJobs: false, deliveryTenants: tenants });
      try {
        await eventually(async () => (await statuses(deliverer, t.id)).sent === 1);
        expect(relay.received.map((m) => m.to[0])).toEqual(["far@nowhere.example"]);
      } finally {
        await deliverer.stop();
      }
    } finally {
      await apiOnly.stop();
      await relay.stop();
    }
  });
});

describe("giving up", () => {
  it("fails a recipient still deferred at MAILROOM_MAX_DELIVERY_HOURS", async () => {
    const mx = await FakeSmtp.start();
    mx.reply = () => ({ code: 421, text: "4.3.2 Try later" });
    const tenants = new Set<string>();
    const server = await startTestServer(
      {
        MAILROOM_DNS_SERVERS: dns.address,
        MAILROOM_MX_PORT: String(mx.port),
        MAILROOM_RETRY_SCHEDULE: "1",
        // 2.88 seconds.
        MAILROOM_MAX_DELIVERY_HOURS: "0.0008",
      },
      { backgroundJobs: false, deliveryTenants: tenants },
    );
    try {
      const t = await sendingTenant(server, dns, tenants);
      const remote = remoteDomain(dns);
      const res = await server.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: `late@${remote}`, subject: "Never", text: "x" },
      });
      const d = await eventually(async () => {
        const row = await deliveryOf(server, t.key, res.body.message_id);
        return row.status === "failed" ? row : undefined;
      }, 20_000);
      expect(d.attempts).toBeGreaterThanOrEqual(3);
      expect(d.last_response).toMatch(/^421/);
      expect(d.next_attempt_at).toBeNull();
      expect(mx.received).toHaveLength(0);
    } finally {
      await server.stop();
      await mx.stop();
    }
  });
});

describe("workers sharing one queue", () => {
  let mx: FakeSmtp;
  let server: TestServer;
  beforeAll(async () => {
    mx = await FakeSmtp.start();
    // The server's own worker takes nobody's mail here: the tests run their own workers.
    server = await startTestServer(
      { MAILROOM_DNS_SERVERS: dns.address, MAILROOM_MX_PORT: String(mx.port) },
      { backgroundJobs: false },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await mx?.stop();
  });

  async function queueMessages(count: number) {
    const t = await sendingTenant(server, dns, undefined);
    const remote = remoteDomain(dns);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await server.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: `r${i}@${remote}`, subject: `n${i}`, text: "x" },
      });
      expect(res.body.status).toBe("queued");
      ids.push(res.body.message_id);
    }
    return { t, remote, ids };
  }

  function receivedFor(remote: string) {
    return mx.received.filter((m) => m.to[0]!.endsWith(`@${remote}`)).map((m) => m.to[0]!);
  }

  it("two workers drain one queue and every message is delivered exactly once", async () => {
    const { t, remote } = await queueMessages(30);
    mx.reply = async () => {
      await new Promise((r) => setTimeout(r, 10));
      return { code: 250 };
    };
    const scope = new Set([t.id]);
    const a = server.app.core.sending.createWorker({ tenantIds: scope, concurrency: 4, pollMs: 50 }).start();
    const b = server.app.core.sending.createWorker({ tenantIds: scope, concurrency: 4, pollMs: 50 }).start();
    try {
      await eventually(async () => (await statuses(server, t.id)).sent === 30, 30_000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const got = receivedFor(remote);
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);
  });

  it("a worker stopped mid-queue finishes what it holds; a new one delivers the rest", async () => {
    const { t, remote } = await queueMessages(12);
    // The remote answers three at once, then holds every further delivery until `open`: the worker
    // is stopped while it holds some, however fast or slow the machine is.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let answered = 0;
    mx.reply = async () => {
      if (++answered > 3) await gate;
      return { code: 250 };
    };
    const scope = new Set([t.id]);
    const first = server.app.core.sending.createWorker({ tenantIds: scope, concurrency: 2, pollMs: 50 }).start();
    await eventually(() => receivedFor(remote).length >= 3);
    const stopping = first.stop();
    open();
    await stopping;
    const after = await statuses(server, t.id);
    // Nothing left half-done: every row is either delivered or still waiting. It took no more
    // than the three answered and the two (its concurrency) it held when told to stop.
    expect(after.sending ?? 0).toBe(0);
    expect(after.sent ?? 0).toBeGreaterThanOrEqual(3);
    expect(after.sent ?? 0).toBeLessThanOrEqual(5);
    expect((after.sent ?? 0) + (after.queued ?? 0)).toBe(12);

    const second = server.app.core.sending.createWorker({ tenantIds: scope, concurrency: 2, pollMs: 50 }).start();
    try {
      await eventually(async () => (await statuses(server, t.id)).sent === 12, 30_000);
    } finally {
      await second.stop();
    }
    expect(receivedFor(remote).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}@${remote}`).sort());
  });

  it("a live worker keeps its claim while one delivery runs past the lease (heartbeat)", async () => {
    const { t, remote, ids } = await queueMessages(1);
    // The remote holds the first delivery until `open`; later ones (the marker) it answers at once.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    mx.reply = async (mail) => {
      if (mail.to[0] === `r0@${remote}`) await gate;
      return { code: 250 };
    };
    const leaseOf = async () =>
      await server.app.core.deps.db
        .selectFrom("deliveries")
        .select(["status", "locked_until"])
        .where("message_id", "=", ids[0]!)
        .executeTakeFirstOrThrow();
    const scope = new Set([t.id]);
    // Concurrency 1: busy with the held delivery, it claims nothing else.
    const slow = server.app.core.sending.createWorker({ tenantIds: scope, concurrency: 1, leaseSeconds: 1, pollMs: 50 }).start();
    const other = server.app.core.sending.createWorker({ tenantIds: scope, leaseSeconds: 1, pollMs: 50 });
    try {
      const first = await eventually(async () => {
        const row = await leaseOf();
        return row.status === "sending" ? row.locked_until! : undefined;
      });
      // The first lease has run out by the clock, and the heartbeat has moved it on.
      await eventually(async () => Date.now() > first.getTime() && (await leaseOf()).locked_until! > first);
      other.start();
      // The other worker demonstrably claims: it delivers a message queued now.
      const marker = await server.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: `marker@${remote}`, subject: "marker", text: "x" },
      });
      await eventually(async () => (await deliveryOf(server, t.key, marker.body.message_id)).status === "sent");
      // ...and has not taken the held one: still the slow worker's, on its one attempt.
      expect(await deliveryOf(server, t.key, ids[0]!)).toMatchObject({ status: "sending", attempts: 1 });
      open();
      await eventually(async () => (await deliveryOf(server, t.key, ids[0]!)).status === "sent");
    } finally {
      open();
      await Promise.all([slow.stop(), other.stop()]);
    }
    expect(await deliveryOf(server, t.key, ids[0]!)).toMatchObject({ status: "sent", attempts: 1 });
    expect(receivedFor(remote).sort()).toEqual([`marker@${remote}`, `r0@${remote}`]);
  });

  it("a worker killed mid-delivery loses nothing: its lease runs out and another worker delivers", async () => {
    const { t, remote, ids } = await queueMessages(3);
    mx.reply = () => ({ code: 250 });
    const scope = new Set([t.id]);
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    // The "killed" worker: claims with a 1 s lease, then never gets back (a process gone mid-SMTP).
    const killed: DeliveryWorker = server.app.core.sending.createWorker({
      tenantIds: scope,
      leaseSeconds: 1,
      pollMs: 50,
      transport: async () => {
        await hung;
        return { kind: "delivered", response: "250 from the dead" };
      },
    });
    killed.start();
    await eventually(async () => (await statuses(server, t.id)).sending === 3);
    killed.abandon(); // claims nothing more, renews nothing; its three deliveries hang

    const rescuer = server.app.core.sending.createWorker({ tenantIds: scope, pollMs: 100 }).start();
    try {
      await eventually(async () => (await statuses(server, t.id)).sent === 3, 15_000);
    } finally {
      await rescuer.stop();
    }
    for (const id of ids) expect(await deliveryOf(server, t.key, id)).toMatchObject({ status: "sent", attempts: 2 });
    expect(receivedFor(remote)).toHaveLength(3);

    // The dead worker coming back late cannot overwrite the rescuer's record. stop() returns once
    // its hung deliveries have finished and tried to record their results.
    release();
    await killed.stop();
    for (const id of ids) {
      const d = await deliveryOf(server, t.key, id);
      expect(d.last_response).toMatch(/^250 2\.0\.0 Ok/);
    }
  });
});
