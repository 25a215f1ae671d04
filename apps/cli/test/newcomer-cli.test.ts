import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "../../api/test/support/dns-server.js";
import { mxTransport, newInbox, startReceivingServer } from "../../api/test/support/receiving.js";
import { uniqueLocal } from "../../api/test/support/test-domains.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { runCli, runCliOnZeroColumnTerminal } from "./support/run-cli.js";

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

async function deliver(address: string, subject: string): Promise<string> {
  const info = await mxTransport(server.app.smtpPort).sendMail({ from: "a@sender.test", to: address, subject, text: "Hello." });
  return /stored as (msg_\w+)/.exec(info.response)![1]!;
}

async function seenFlag(key: string, id: string): Promise<boolean> {
  const res = await server.call("GET", `/api/v1/messages/${id}`, { key });
  expect(res.status).toBe(200);
  return res.body.seen as boolean;
}

describe("mailroom CLI: keys from files, addresses, seen and deleted messages", () => {
  it("reads the key from --key-file or MAILROOM_API_KEY_FILE, and names a file it cannot read", async () => {
    const tenant = await server.createTenant();
    const file = join(mkdtempSync(join(tmpdir(), "mailroom-cli-key-")), "key");
    writeFileSync(file, `${tenant.api_key}\n`, { mode: 0o600 });

    const flag = await runCli(["--url", server.url, "--key-file", file, "whoami"]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain(tenant.id);
    const env = await runCli(["whoami"], { MAILROOM_URL: server.url, MAILROOM_API_KEY_FILE: file });
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toContain(tenant.id);

    const missing = await runCli(["--url", server.url, "--key-file", `${file}.nope`, "whoami"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: Cannot read the API key file ${file}.nope: no such file\n`);
  }, 60_000);

  it("lists the system domains, which are premium, and which the plan may use", async () => {
    const tenant = await server.createTenant("free");
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: tenant.api_key };
    const json = await runCli(["--json", "system-domains"], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      domains: [
        { domain: "ig.do", premium: false, available: true },
        { domain: "kfc.sh", premium: true, available: false },
      ],
    });
    const table = await runCli(["system-domains"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ kfc\.sh\s+│ yes\s+│ no\s+│/);
  }, 60_000);

  it("takes an address wherever it takes an account id, with one clear error for an unknown one", async () => {
    const inbox = await newInbox(server);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: inbox.key };
    const id = await deliver(inbox.address, "By address");

    const list = await runCli(["inbox", inbox.address.toUpperCase()], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    const show = await runCli(["--json", "accounts", "show", inbox.address], env);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).id).toBe(inbox.accountId);

    const nobody = `${uniqueLocal("nobody")}@ig.do`;
    const unknown = await runCli(["inbox", nobody], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`error: No mailbox ${nobody} in this tenant (\`mailroom accounts list\` shows them)\n`);
    const removed = await runCli(["accounts", "rm", nobody], env);
    expect(removed.code).toBe(1);
    expect((await server.call("GET", `/api/v1/accounts/${inbox.accountId}`, { key: inbox.key })).status).toBe(200);
  }, 60_000);

  it("read marks the message seen (not with --keep-unseen); messages seen, unseen and rm", async () => {
    const inbox = await newInbox(server);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: inbox.key };
    const id = await deliver(inbox.address, "Seen or not");

    const peek = await runCli(["read", id, "--keep-unseen"], env);
    expect(peek.code, peek.stderr).toBe(0);
    expect(peek.stdout).toContain("Subject: Seen or not");
    expect(await seenFlag(inbox.key, id)).toBe(false);

    const read = await runCli(["read", id], env);
    expect(read.code, read.stderr).toBe(0);
    expect(await seenFlag(inbox.key, id)).toBe(true);

    const unseen = await runCli(["messages", "unseen", id], env);
    expect(unseen.code, unseen.stderr).toBe(0);
    expect(unseen.stdout).toMatch(new RegExp(`│ ${id}\\s+│ Seen or not\\s+│ no\\s+│`));
    expect(await seenFlag(inbox.key, id)).toBe(false);
    const seen = await runCli(["messages", "seen", id], env);
    expect(seen.code, seen.stderr).toBe(0);
    expect(await seenFlag(inbox.key, id)).toBe(true);

    const rm = await runCli(["messages", "rm", id], env);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).status).toBe(404);
    const again = await runCli(["messages", "rm", id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("(MESSAGE_NOT_FOUND)");
  }, 90_000);

  it("domains verify exits 1 unless the domain is active", async () => {
    const tenant = await server.createTenant();
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: tenant.api_key };
    const name = `${uniqueLocal("unpublished")}.example.org`;
    const added = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain: name } });
    expect(added.status).toBe(201);
    const res = await runCli(["domains", "verify", added.body.id], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`${name} (${added.body.id}): pending_verification`);
    expect(res.stderr).toBe(`error: ${name} is pending_verification\n`);
  }, 60_000);
});

describe("mailroom CLI on a terminal that reports 0 columns", () => {
  it("domains verify --wait ends by its deadline, with no spinner", async () => {
    const tenant = await server.createTenant();
    const name = `${uniqueLocal("zero-cols")}.example.org`;
    const added = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain: name } });
    const run = runCliOnZeroColumnTerminal(["domains", "verify", added.body.id, "--wait", "3", "--interval", "1"], {
      MAILROOM_URL: server.url,
      MAILROOM_API_KEY: tenant.api_key,
    });
    // Generous: tsx's start-up on a loaded machine, plus the 3 s wait; it used to run for ever.
    const timer = setTimeout(() => run.child.kill("SIGKILL"), 60_000);
    const { code } = await run.exit;
    clearTimeout(timer);
    expect(code, run.output()).toBe(1);
    expect(run.output()).toContain(`error: ${name} is pending_verification after 3 s`);
    expect(run.output()).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  }, 90_000);

  it("ends on SIGTERM while it waits for mail", async () => {
    const inbox = await newInbox(server);
    const run = runCliOnZeroColumnTerminal(["wait", inbox.accountId, "--timeout", "120"], {
      MAILROOM_URL: server.url,
      MAILROOM_API_KEY: inbox.key,
    });
    const pid = await run.pid;
    // Signal once its long poll is in place on the server.
    await server.app.core.messages.whenWaiting(inbox.accountId);
    process.kill(pid, "SIGTERM");
    // A backstop, far below the wait's 120 s: the CLI must have ended by itself, not by this.
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      run.child.kill("SIGKILL");
    }, 60_000);
    const { code } = await run.exit;
    clearTimeout(timer);
    expect(killed, run.output()).toBe(false);
    expect(code, run.output()).not.toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 90_000);
});
