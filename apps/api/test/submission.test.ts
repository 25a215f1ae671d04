import { execFile, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { eventually, FakeSmtp } from "./support/fake-smtp.js";
import { createAccount } from "./support/mailbox-helpers.js";
import { deliveryOf, remoteDomain } from "./support/sending-helpers.js";
import { uniqueLocal } from "./support/test-domains.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { awaitFreshWindow } from "./support/rate-windows.js";

const SWAKS = spawnSync("swaks", ["--version"]).status === 0;
const PASSWORD = "securePass123";

let dns: TestDnsServer;
let mx: FakeSmtp;
let server: TestServer;
let key: string;
const tenants = new Set<string>();

beforeAll(async () => {
  dns = await TestDnsServer.start();
  mx = await FakeSmtp.start();
  server = await startTestServer(
    { MAILROOM_DNS_SERVERS: dns.address, MAILROOM_MX_PORT: String(mx.port), MAILROOM_HOSTNAME: "mta.mailroom.test" },
    { backgroundJobs: false, deliveryTenants: tenants },
  );
  const tenant = await server.createTenant("pro");
  tenants.add(tenant.id);
  key = tenant.api_key;
});
afterAll(async () => {
  await server?.stop();
  await mx?.stop();
  await dns?.stop();
});

async function mailbox(): Promise<string> {
  const res = await createAccount(server, key, { domain: "mailroom.localhost", username: uniqueLocal("sub") });
  expect(res.status).toBe(201);
  return res.body.email;
}

/** swaks against the submission port (asynchronously: the server runs in this process); transcript and exit status. */
function swaks(args: string[]): Promise<{ status: number; out: string }> {
  const argv = [
    "--server",
    "127.0.0.1",
    "--port",
    String(server.app.submissionPort),
    "--ehlo",
    "client.test",
    "--timeout",
    "20",
    ...args,
  ];
  return new Promise((resolve) => {
    execFile("swaks", argv, { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ status, out: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(!SWAKS)("SMTP submission (swaks as the client)", () => {
  it("AUTH PLAIN and LOGIN with the mailbox's password: accepted, queued, signed and delivered", async () => {
    const from = await mailbox();
    const remote = remoteDomain(dns);
    for (const method of ["PLAIN", "LOGIN"]) {
      const to = `${method.toLowerCase()}@${remote}`;
      const run = await swaks([
        "--auth",
        method,
        "--auth-user",
        from,
        "--auth-password",
        PASSWORD,
        "--from",
        from,
        "--to",
        to,
        "--header",
        `Subject: via ${method}`,
        "--body",
        "hello over submission",
      ]);
      expect(run.status, run.out).toBe(0);
      const id = /Queued as (msg_[0-9a-z]{26})/.exec(run.out)?.[1];
      expect(id, run.out).toBeDefined();
      const d = await eventually(async () => {
        const row = await deliveryOf(server, key, id!);
        return row.status === "sent" ? row : undefined;
      });
      expect(d.recipient).toBe(to);
      const got = mx.received.find((m) => m.to[0] === to)!;
      expect(got.from).toBe(from);
      const raw = got.raw.toString("utf8");
      expect(raw).toMatch(/^DKIM-Signature: [\s\S]*d=mailroom\.localhost/);
      expect(raw).toContain("hello over submission");
    }
  });

  it("refuses MAIL without AUTH with 530", async () => {
    const from = await mailbox();
    const run = await swaks(["--from", from, "--to", `x@${remoteDomain(dns)}`]);
    expect(run.status).not.toBe(0);
    expect(run.out).toMatch(/<~?\*\* 530 .*authentication required/i);
  });

  it("refuses a wrong password with 535, and a sender or From that is not the mailbox", async () => {
    const from = await mailbox();
    const wrong = await swaks([
      "--auth",
      "LOGIN",
      "--auth-user",
      from,
      "--auth-password",
      "wrong-password",
      "--from",
      from,
      "--to",
      "x@example.com",
    ]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toMatch(/535 5\.7\.8 Authentication credentials invalid/);

    const other = await mailbox();
    const envelope = await swaks([
      "--auth",
      "PLAIN",
      "--auth-user",
      from,
      "--auth-password",
      PASSWORD,
      "--from",
      other,
      "--to",
      "x@example.com",
    ]);
    expect(envelope.out).toMatch(new RegExp(`553 5\\.7\\.1 You may only send as ${from.replace(/\./g, "\\.")}`));

    const header = await swaks([
      "--auth",
      "PLAIN",
      "--auth-user",
      from,
      "--auth-password",
      PASSWORD,
      "--from",
      from,
      "--to",
      "x@example.com",
      "--header",
      `From: ${other}`,
    ]);
    expect(header.out).toMatch(/550 5\.7\.1 The From header must be your address/);
  });

  it("rate limits failed logins per address: after 5 failures even the right password waits", async () => {
    const from = await mailbox();
    await awaitFreshWindow(20);
    for (let i = 0; i < 5; i++) {
      const run = await swaks([
        "--auth",
        "PLAIN",
        "--auth-user",
        from,
        "--auth-password",
        `bad-${i}`,
        "--from",
        from,
        "--to",
        "x@example.com",
        "--quit-after",
        "AUTH",
      ]);
      expect(run.out).toMatch(/535/);
    }
    const blocked = await swaks(["--auth", "PLAIN", "--auth-user", from, "--auth-password", PASSWORD, "--quit-after", "AUTH"]);
    expect(blocked.out).toMatch(/454 4\.7\.0 Too many failed logins; try again later/);
  });
});
