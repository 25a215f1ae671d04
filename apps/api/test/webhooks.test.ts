import { statSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { WebhookReceiver, webhookHeaders } from "./support/webhook-receiver.js";

let server: TestServer;
let receiver: WebhookReceiver;
const webhookTenants = new Set<string>();
beforeAll(async () => {
  server = await startTestServer(
    { MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true", MAILROOM_WEBHOOK_RETRY_SCHEDULE: "1,1,1" },
    { webhookTenants, backgroundJobs: false },
  );
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await server.stop();
  await receiver.stop();
});

async function tenant() {
  const t = await server.createTenant();
  webhookTenants.add(t.id);
  return t;
}

async function addWebhook(key: string, body: Record<string, unknown> = {}) {
  const res = await server.call("POST", "/api/v1/webhooks", { key, body: { url: receiver.url, ...body } });
  if (res.status !== 201) throw new Error(`add webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; url: string; events: string[]; enabled: boolean; secret: string; created_at: string };
}

/** A real mailbox.created event of the tenant's: a mailbox made through the API. */
async function emit(key: string) {
  const res = await server.call("POST", "/api/v1/emails/create", {
    key,
    body: { email: `hook-${Math.random().toString(36).slice(2, 10)}@mailroom.localhost` },
  });
  expect(res.status).toBe(201);
}

describe("webhook endpoints", () => {
  it("creates an endpoint (secret shown once), reads, lists, updates and deletes it", async () => {
    const t = await tenant();
    const created = await addWebhook(t.api_key, { events: ["message.received"], description: "ticketing" });
    expect(created.id).toMatch(/^whk_[0-9a-z]{26}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), "base64")).toHaveLength(32);
    expect(created).toMatchObject({ url: receiver.url, events: ["message.received"], enabled: true, description: "ticketing" });

    const got = await server.call("GET", `/api/v1/webhooks/${created.id}`, { key: t.api_key });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty("secret");
    expect(JSON.stringify(got.body)).not.toContain("whsec_");
    const list = await server.call("GET", "/api/v1/webhooks", { key: t.api_key });
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");

    const patched = await server.call("PATCH", `/api/v1/webhooks/${created.id}`, {
      key: t.api_key,
      body: { events: ["*"], description: null, enabled: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ["*"],
      description: null,
      enabled: false,
      disabled_reason: "Disabled through the API",
    });
    const enabled = await server.call("PATCH", `/api/v1/webhooks/${created.id}`, { key: t.api_key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });

    const deleted = await server.call("DELETE", `/api/v1/webhooks/${created.id}`, { key: t.api_key });
    expect(deleted).toMatchObject({ status: 200, body: { deleted: true } });
    const gone = await server.call("GET", `/api/v1/webhooks/${created.id}`, { key: t.api_key });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: "WEBHOOK_NOT_FOUND", error: "Webhook not found" });
  });

  it("refuses bad input with a status, a code and a message, and stores nothing", async () => {
    const t = await tenant();
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ url: "ftp://example.com/hook" }, 400, "WEBHOOK_URL_INVALID", /http:\/\/ or https:\/\/, not ftp:/],
      [{ url: "https://user:pass@example.com/hook" }, 400, "WEBHOOK_URL_INVALID", /user name or password/],
      [{ url: "not a url" }, 400, "WEBHOOK_URL_INVALID", /does not parse/],
      [{ url: `https://example.com/${"a".repeat(2048)}` }, 400, "VALIDATION_ERROR", /Invalid request data/],
      [{ url: receiver.url, events: ["nope"] }, 400, "VALIDATION_ERROR", /Invalid request data/],
      [{ url: receiver.url, events: ["*", "message.received"] }, 400, "VALIDATION_ERROR", /Invalid request data/],
      [{ url: receiver.url, events: [] }, 400, "VALIDATION_ERROR", /Invalid request data/],
      [{ url: receiver.url, description: "x".repeat(501) }, 400, "VALIDATION_ERROR", /Invalid request data/],
      [
        { url: receiver.url, mailbox_ids: ["acc_01m7whfdww3pgfya7z942m8m2b"] },
        400,
        "WEBHOOK_FILTER_INVALID",
        /not one of your mailboxes/,
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await server.call("POST", "/api/v1/webhooks", { key: t.api_key, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.body.error).toMatch(message);
    }
    const list = await server.call("GET", "/api/v1/webhooks", { key: t.api_key });
    expect(list.body.webhooks).toEqual([]);
  });

  it("allows 20 endpoints per tenant, then 403 WEBHOOK_LIMIT_REACHED", async () => {
    const t = await tenant();
    for (let i = 0; i < 20; i++) await addWebhook(t.api_key);
    const res = await server.call("POST", "/api/v1/webhooks", { key: t.api_key, body: { url: receiver.url } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "WEBHOOK_LIMIT_REACHED", error: expect.stringMatching(/20 webhook endpoints/) });
    const list = await server.call("GET", "/api/v1/webhooks", { key: t.api_key });
    expect(list.body.webhooks).toHaveLength(20);
  });

  it("keeps tenants apart: another tenant's key gets 404 on every route and changes nothing", async () => {
    const owner = await tenant();
    const other = await tenant();
    const hook = await addWebhook(owner.api_key);
    const routes: [string, string, unknown?][] = [
      ["GET", `/api/v1/webhooks/${hook.id}`],
      ["PATCH", `/api/v1/webhooks/${hook.id}`, { enabled: false }],
      ["POST", `/api/v1/webhooks/${hook.id}/rotate-secret`],
      ["POST", `/api/v1/webhooks/${hook.id}/test`],
      ["GET", `/api/v1/webhooks/${hook.id}/deliveries`],
      ["POST", `/api/v1/webhooks/${hook.id}/replay`, { since: "2026-01-01T00:00:00Z" }],
      ["DELETE", `/api/v1/webhooks/${hook.id}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await server.call(method, path, { key: other.api_key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe("WEBHOOK_NOT_FOUND");
    }
    expect((await server.call("GET", "/api/v1/webhooks", { key: other.api_key })).body.webhooks).toEqual([]);
    const still = await server.call("GET", `/api/v1/webhooks/${hook.id}`, { key: owner.api_key });
    expect(still.body).toMatchObject({ enabled: true, url: receiver.url });
    expect(receiver.requests.filter((r) => JSON.parse(r.body).data?.webhook_id === hook.id)).toHaveLength(0);
  });
});

describe("signing", () => {
  it("signs deliveries as Standard Webhooks (verified by the standardwebhooks package), with the test event too", async () => {
    const t = await tenant();
    const hook = await addWebhook(t.api_key);
    const before = receiver.requests.length;
    const tested = await server.call("POST", `/api/v1/webhooks/${hook.id}/test`, { key: t.api_key });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ success: true, http_status: 200, error: null, event_id: expect.stringMatching(/^evt_/) });
    const req = receiver.requests[before]!;
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toBe("Mailroom-Webhooks/1");
    expect(req.headers["webhook-id"]).toBe(tested.body.event_id);
    const verified = new Webhook(hook.secret).verify(req.body, webhookHeaders(req)) as {
      type: string;
      data: { webhook_id: string };
    };
    expect(verified).toMatchObject({ id: tested.body.event_id, type: "webhook.test", data: { webhook_id: hook.id } });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(req.body, webhookHeaders(req))).toThrow();

    await emit(t.api_key);
    await receiver.waitFor((r) => r.events().some((e) => e.type === "mailbox.created" && r.requests.length > before + 1));
    const delivered = receiver.requests.slice(before + 1).find((r) => JSON.parse(r.body).type === "mailbox.created")!;
    const event = new Webhook(hook.secret).verify(delivered.body, webhookHeaders(delivered)) as { id: string };
    expect(event.id).toMatch(/^evt_/);
    expect(delivered.headers["webhook-id"]).toBe(event.id);
  });

  it("after rotate-secret, both the old and the new secret verify (two v1 signatures)", async () => {
    const t = await tenant();
    const hook = await addWebhook(t.api_key);
    const rotated = await server.call("POST", `/api/v1/webhooks/${hook.id}/rotate-secret`, { key: t.api_key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    const before = receiver.requests.length;
    const tested = await server.call("POST", `/api/v1/webhooks/${hook.id}/test`, { key: t.api_key });
    expect(tested.body.success).toBe(true);
    const req = receiver.requests[before]!;
    const signatures = String(req.headers["webhook-signature"]).split(" ");
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    for (const secret of [rotated.body.secret, hook.secret]) {
      expect(new Webhook(secret).verify(req.body, webhookHeaders(req))).toMatchObject({ type: "webhook.test" });
    }
  });

  it("a test of an endpoint that does not answer reports the failure", async () => {
    const t = await tenant();
    const dead = await WebhookReceiver.start();
    const url = dead.url;
    await dead.stop();
    const hook = await addWebhook(t.api_key, { url });
    const tested = await server.call("POST", `/api/v1/webhooks/${hook.id}/test`, { key: t.api_key });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ success: false, http_status: null, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});

describe("secrets at rest and in logs", () => {
  it("stores secrets encrypted under a generated key file (0600) and never writes a whsec_ to the log", async () => {
    const lines: string[] = [];
    const logged = await startTestServer(
      { MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true" },
      { logTo: { write: (line) => lines.push(line) }, backgroundJobs: false },
    );
    try {
      const t = await logged.createTenant();
      const res = await logged.call("POST", "/api/v1/webhooks", { key: t.api_key, body: { url: receiver.url } });
      expect(res.status).toBe(201);
      const secret = res.body.secret as string;
      const rotated = await logged.call("POST", `/api/v1/webhooks/${res.body.id}/rotate-secret`, { key: t.api_key });
      // A secret in a URL, where a request log would show it.
      await logged.call("GET", `/api/v1/webhooks/${encodeURIComponent(rotated.body.secret)}`, { key: t.api_key });
      await logged.call("POST", `/api/v1/webhooks/${res.body.id}/test`, { key: t.api_key });
      logged.app.core.deps.logger.info({ note: `leaked ${secret}` }, `leaked ${rotated.body.secret}`);

      const row = await logged.app.core.deps.db
        .selectFrom("webhook_endpoints")
        .select(["secret_sealed", "previous_secret_sealed"])
        .where("id", "=", res.body.id)
        .executeTakeFirstOrThrow();
      for (const sealed of [row.secret_sealed, row.previous_secret_sealed!]) {
        expect(sealed).toMatch(/^v1:/);
        expect(sealed).not.toContain(secret.slice(6));
        expect(sealed).not.toContain(rotated.body.secret.slice(6));
      }
      const keyFile = join(logged.app.core.deps.config.dataDir, "secrets.key");
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);

      expect(lines.length).toBeGreaterThan(3);
      expect(lines.join("\n")).not.toMatch(/whsec_/);
      expect(lines.join("\n")).toContain("leaked [redacted]");
    } finally {
      await logged.stop();
    }
  });
});
