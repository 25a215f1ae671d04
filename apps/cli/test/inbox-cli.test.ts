import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "../../api/test/support/dns-server.js";
import { mxTransport, newInbox, startReceivingServer } from "../../api/test/support/receiving.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { runCli } from "./support/run-cli.js";

let server: TestServer;
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

describe("mailroom inbox, read, attachment, wait", () => {
  it("lists, reads (text and --raw) and saves an attachment byte for byte", async () => {
    const inbox = await newInbox(server);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: inbox.key };
    const content = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
    const info = await mxTransport(server.app.smtpPort).sendMail({
      from: "Ada <ada@sender.test>",
      to: inbox.address,
      subject: "From the CLI test",
      text: "Readable text.",
      attachments: [{ filename: "bytes.bin", content }],
    });
    const id = /stored as (msg_\w+)/.exec(info.response)![1]!;

    const list = await runCli(["inbox", inbox.accountId], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/│ id\s+│ date\s+│ from\s+│ subject/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain("From the CLI test");

    const read = await runCli(["read", id], env);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain("From:    Ada <ada@sender.test>");
    expect(read.stdout).toContain("Subject: From the CLI test");
    expect(read.stdout).toContain("Readable text.");
    const attachmentId = /Attached: (att_\w+)\s+bytes\.bin/.exec(read.stdout)![1]!;

    const raw = await runCli(["read", id, "--raw"], env);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toMatch(/^Received-SPF: /);
    expect(raw.stdout).toContain("Subject: From the CLI test");

    const file = join(mkdtempSync(join(tmpdir(), "mailroom-cli-")), "out.bin");
    const saved = await runCli(["attachment", id, attachmentId, "-o", file], env);
    expect(saved.code, saved.stderr).toBe(0);
    expect(readFileSync(file).equals(content)).toBe(true);

    const missing = await runCli(["attachment", id, "att_nope", "-o", file], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Attachment att_nope not found (ATTACHMENT_NOT_FOUND)");
  }, 60_000);

  it("waits for a matching message (or only its code, --code), and exits 1 with the server's words on timeout", async () => {
    const inbox = await newInbox(server);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: inbox.key };
    const subscribed = server.app.core.messages.whenWaiting(inbox.accountId);
    const waiting = runCli(["wait", inbox.accountId, "--subject", "verify", "--timeout", "120"], env);
    // Deliver once the CLI's wait is in place on the server, however long the CLI took to start.
    await subscribed;
    await mxTransport(server.app.smtpPort).sendMail({
      from: "a@sender.test",
      to: inbox.address,
      subject: "Please verify",
      text: "Code 4242",
    });
    const done = await waiting;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("Subject: Please verify");
    expect(done.stdout).toContain("Code 4242");

    const since = new Date(Date.now() - 60_000).toISOString();
    const code = await runCli(["wait", inbox.accountId, "--since", since, "--code", "--timeout", "5"], env);
    expect(code.code, code.stderr).toBe(0);
    expect(code.stdout).toBe("4242\n");

    const timeout = await runCli(["wait", inbox.accountId, "--subject", "never", "--timeout", "1"], env);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toContain("No matching message arrived within 1 second (WAIT_TIMEOUT)");
  }, 60_000);
});
