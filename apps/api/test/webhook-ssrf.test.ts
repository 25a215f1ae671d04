import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { WebhookReceiver } from "./support/webhook-receiver.js";

// The default: MAILROOM_WEBHOOK_ALLOW_PRIVATE unset (false). Two servers on one database share a secrets key.
const SECRETS = { MAILROOM_SECRETS_KEY: "webhook-ssrf-test-secrets-key-0123456789" };
let strict: TestServer;
let permissive: TestServer;
let receiver: WebhookReceiver;
let dns: TestDnsServer;
beforeAll(async () => {
  // Names are resolved by the configured resolvers (this loopback DNS server), as for domains.
  dns = await TestDnsServer.start();
  dns.add("hooks.internal.test", { type: "A", value: "10.9.8.7" });
  dns.add("hooks.dual.test", { type: "A", value: "93.184.215.14" });
  dns.add("hooks.dual.test", { type: "AAAA", value: "fd12::1" });
  dns.add("hooks.public.test", { type: "A", value: "93.184.215.14" });
  strict = await startTestServer({ ...SECRETS, MAILROOM_DNS_SERVERS: dns.address }, { backgroundJobs: false });
  permissive = await startTestServer({ ...SECRETS, MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true" }, { backgroundJobs: false });
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await strict.stop();
  await permissive.stop();
  await receiver.stop();
  await dns.stop();
});

describe("webhook targets (server-side request forgery)", () => {
  it("refuses private, loopback, link-local, unique-local, CGNAT, metadata and unspecified targets, and names that resolve to them", async () => {
    const t = await strict.createTenant();
    const forbidden: [string, RegExp][] = [
      ["http://127.0.0.1:8080/hook", /127\.0\.0\.1 is a loopback address/],
      ["http://[::1]/hook", /::1 is a loopback address/],
      ["http://10.1.2.3/hook", /a private address/],
      ["http://192.168.0.10/hook", /a private address/],
      ["http://172.16.5.4/hook", /a private address/],
      ["http://169.254.169.254/latest/meta-data", /a cloud metadata address/],
      ["http://[fd00:ec2::254]/", /a cloud metadata address/],
      ["http://169.254.10.10/", /a linkLocal address/],
      ["http://[fe80::1]/", /a linkLocal address/],
      ["http://[fc00::5]/", /a uniqueLocal address/],
      ["http://100.64.1.1/", /a carrierGradeNat address/],
      ["http://224.0.0.1/", /a multicast address/],
      ["http://0.0.0.0/", /an? unspecified address/],
      ["http://[::ffff:127.0.0.1]/", /a loopback address/],
      ["http://2130706433/", /127\.0\.0\.1 is a loopback address/],
      ["http://localhost:3000/hook", /localhost is .*a loopback address/],
      ["http://api.localhost/hook", /api\.localhost is .*a loopback address/],
      ["https://hooks.internal.test/hook", /hooks\.internal\.test is 10\.9\.8\.7, a private address/],
      // One forbidden address among the answers is enough.
      ["https://hooks.dual.test/hook", /hooks\.dual\.test is fd12::1, a uniqueLocal address/],
    ];
    for (const [url, reason] of forbidden) {
      const res = await strict.call("POST", "/api/v1/webhooks", { key: t.api_key, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.code, url).toBe("WEBHOOK_TARGET_FORBIDDEN");
      expect(res.body.error, url).toMatch(/^The webhook URL points to an address this server does not send to: /);
      expect(res.body.error, url).toMatch(reason);
    }
    for (const [url, message] of [
      ["ftp://example.com/hook", "The webhook URL must be http:// or https://, not ftp://"],
      ["https://user:secret@example.com/hook", "The webhook URL must not carry a user name or password"],
      ["https://:secret@example.com/hook", "The webhook URL must not carry a user name or password"],
    ] as const) {
      const res = await strict.call("POST", "/api/v1/webhooks", { key: t.api_key, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body).toMatchObject({ code: "WEBHOOK_URL_INVALID", error: message });
    }
    const list = await strict.call("GET", "/api/v1/webhooks", { key: t.api_key });
    expect(list.body.webhooks).toEqual([]);
  });

  it("accepts public addresses, and refuses a change of URL to a forbidden one (nothing changed)", async () => {
    const t = await strict.createTenant();
    const created = await strict.call("POST", "/api/v1/webhooks", {
      key: t.api_key,
      body: { url: "https://93.184.215.14/hook" },
    });
    expect(created.status).toBe(201);
    const patched = await strict.call("PATCH", `/api/v1/webhooks/${created.body.id}`, {
      key: t.api_key,
      body: { url: "http://10.0.0.1/hook" },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.code).toBe("WEBHOOK_TARGET_FORBIDDEN");
    const after = await strict.call("GET", `/api/v1/webhooks/${created.body.id}`, { key: t.api_key });
    expect(after.body.url).toBe("https://93.184.215.14/hook");
    const byName = await strict.call("POST", "/api/v1/webhooks", {
      key: t.api_key,
      body: { url: "https://hooks.public.test/h" },
    });
    expect(byName.status).toBe(201);
  });

  it("checks again at every delivery: an endpoint on a loopback address gets nothing from a server that forbids it", async () => {
    const t = await permissive.createTenant();
    // Registered where private targets are allowed; then sent from a process where they are not.
    const created = await permissive.call("POST", "/api/v1/webhooks", { key: t.api_key, body: { url: receiver.url } });
    expect(created.status).toBe(201);
    const tested = await strict.call("POST", `/api/v1/webhooks/${created.body.id}/test`, { key: t.api_key });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({
      success: false,
      http_status: null,
      error: "refused: 127.0.0.1 is a loopback address",
    });
    expect(receiver.requests).toHaveLength(0);
    const allowed = await permissive.call("POST", `/api/v1/webhooks/${created.body.id}/test`, { key: t.api_key });
    expect(allowed.body.success).toBe(true);
    expect(receiver.requests).toHaveLength(1);
  });
});
