import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../api/test/support/test-server.js";
import { writeEvents } from "../../api/test/support/test-events.js";
import { WebhookReceiver } from "../../api/test/support/webhook-receiver.js";
import { runCli } from "./support/run-cli.js";

let server: TestServer;
let receiver: WebhookReceiver;
const webhookTenants = new Set<string>();
beforeAll(async () => {
  server = await startTestServer({ MAILROOM_WEBHOOK_ALLOW_PRIVATE: "true" }, { webhookTenants, backgroundJobs: false });
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await server.stop();
  await receiver.stop();
});

describe("mailroom webhooks", () => {
  it("adds (secret once), lists, shows, tests, replays, lists deliveries, disables and removes an endpoint", async () => {
    const t = await server.createTenant();
    webhookTenants.add(t.id);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: t.api_key };
    // An event from before the endpoint: only a replay sends it.
    await writeEvents(server, [{ tenantId: t.id, type: "mailbox.created", data: { n: "old" } }]);

    const added = await runCli(
      ["--json", "webhooks", "add", receiver.url, "--events", "mailbox.created,message.received", "--description", "cli"],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const hook = JSON.parse(added.stdout) as { id: string; secret: string; events: string[] };
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.events).toEqual(["mailbox.created", "message.received"]);

    const list = await runCli(["webhooks", "list"], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(hook.id);
    expect(list.stdout).not.toContain("whsec_");
    const show = await runCli(["webhooks", "show", hook.id], env);
    expect(show.stdout).toContain(receiver.url);
    expect(show.stdout).not.toContain("whsec_");

    const tested = await runCli(["--json", "webhooks", "test", hook.id], env);
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ success: true, http_status: 200 });
    expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ type: "webhook.test", data: { webhook_id: hook.id } });

    const replayed = await runCli(["--json", "webhooks", "replay", hook.id, "--since", "1h", "--types", "mailbox.created"], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual({ queued: 1, limit_reached: false });
    await receiver.waitFor((r) => r.events().some((e) => e.data.n === "old"));

    const deliveries = await runCli(["--json", "webhooks", "deliveries", hook.id], env);
    const page = JSON.parse(deliveries.stdout) as { deliveries: { event_type: string; status: string }[] };
    expect(page.deliveries).toHaveLength(1);
    expect(page.deliveries[0]).toMatchObject({ event_type: "mailbox.created" });

    const disabled = await runCli(["--json", "webhooks", "disable", hook.id], env);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ enabled: false });
    const removed = await runCli(["webhooks", "rm", hook.id], env);
    expect(removed.code).toBe(0);
    const missing = await runCli(["webhooks", "show", hook.id], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("Webhook not found");

    const refused = await runCli(["webhooks", "add", "ftp://example.com/x"], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("must be http:// or https://");
  }, 120_000);
});
