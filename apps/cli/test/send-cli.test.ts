import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "../../api/test/support/dns-server.js";
import { eventually, FakeSmtp } from "../../api/test/support/fake-smtp.js";
import { remoteDomain, sendingTenant } from "../../api/test/support/sending-helpers.js";
import { startTestServer, type TestServer } from "../../api/test/support/test-server.js";
import { runCli } from "./support/run-cli.js";

let dns: TestDnsServer;
let mx: FakeSmtp;
let server: TestServer;
const tenants = new Set<string>();
beforeAll(async () => {
  dns = await TestDnsServer.start();
  mx = await FakeSmtp.start();
  server = await startTestServer(
    { MAILROOM_DNS_SERVERS: dns.address, MAILROOM_MX_PORT: String(mx.port) },
    { backgroundJobs: false, deliveryTenants: tenants },
  );
});
afterAll(async () => {
  await server?.stop();
  await mx?.stop();
  await dns?.stop();
});

describe("mailroom send / status", () => {
  it("sends an HTML file with an attachment, then shows each recipient's delivery", async () => {
    const t = await sendingTenant(server, dns, tenants);
    const remote = remoteDomain(dns);
    const dir = mkdtempSync(join(tmpdir(), "mailroom-cli-"));
    writeFileSync(join(dir, "body.html"), "<h1>Hello from the CLI</h1>");
    writeFileSync(join(dir, "notes.txt"), "attached notes");
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: t.key };
    const sent = await runCli(
      [
        "--json",
        "send",
        "--from",
        `cli@${t.domain}`,
        "--to",
        `a@${remote}`,
        "--to",
        `b@${remote}`,
        "--subject",
        "CLI",
        "--html-file",
        join(dir, "body.html"),
        "--attach",
        join(dir, "notes.txt"),
      ],
      env,
    );
    expect(sent.code, sent.stderr).toBe(0);
    const result = JSON.parse(sent.stdout) as { message_id: string; status: string };
    expect(result.status).toBe("queued");
    await eventually(() => mx.received.filter((m) => m.to[0]!.endsWith(remote)).length === 2);
    const raw = mx.received.find((m) => m.to[0] === `a@${remote}`)!.raw.toString("utf8");
    expect(raw).toContain("filename=notes.txt");

    const status = await eventually(async () => {
      const run = await runCli(["status", result.message_id], env);
      return run.stdout.split("sent").length - 1 >= 2 ? run : undefined;
    });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`a@${remote}`);
    expect(status.stdout).toContain(`b@${remote}`);

    const missing = await runCli(["send", "--from", `cli@${t.domain}`, "--to", `a@${remote}`, "--subject", "x"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("give --html-file or --text");
  }, 60_000);
});
