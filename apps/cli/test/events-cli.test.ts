import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmail } from "../../api/test/support/mailbox-helpers.js";
import { mxTransport, startReceivingServer } from "../../api/test/support/receiving.js";
import { uniqueLocal } from "../../api/test/support/test-domains.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { CLI_COMMAND, runCli } from "./support/run-cli.js";

let server: TestServer;
beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

async function tenant() {
  const t = await server.createTenant("pro");
  return { key: t.api_key, env: { MAILROOM_URL: server.url, MAILROOM_API_KEY: t.api_key } };
}

async function newMailbox(key: string): Promise<{ id: string; email: string }> {
  const res = await createEmail(server, key, { email: `${uniqueLocal("cli")}@ig.do` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

/** The CLI as a long-running child: its output so far, and a way to wait for a line. */
function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(CLI_COMMAND[0]!, [...CLI_COMMAND.slice(1), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("mailroom events list", () => {
  it("prints one line per event, oldest first; --json the page; --type filters", async () => {
    const t = await tenant();
    const first = await newMailbox(t.key);
    const second = await newMailbox(t.key);
    await server.call("DELETE", `/api/v1/emails/${first.id}`, { key: t.key });

    const lines = await runCli(["events", "list"], t.env);
    expect(lines.code, lines.stderr).toBe(0);
    const out = lines.stdout.trim().split("\n");
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  mailbox\\.created\\s+  ${first.email}  ${first.id}$`));
    expect(out[1]).toContain(second.email);
    expect(out[2]).toMatch(/ mailbox\.deleted /);

    const json = await runCli(["--json", "events", "list", "--type", "mailbox.deleted", "--limit", "10"], t.env);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.next_cursor).toBeNull();
    expect(page.events.map((e: { type: string; data: { mailbox_id: string } }) => [e.type, e.data.mailbox_id])).toEqual([
      ["mailbox.deleted", first.id],
    ]);
  });

  it("names a bad type with the server's words", async () => {
    const t = await tenant();
    const res = await runCli(["events", "list", "--type", "mailbox.made"], t.env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("(VALIDATION_ERROR)");
    expect(res.stderr).toContain('type.0: Unknown event type "mailbox.made"');
  });
});

describe("mailroom events tail", () => {
  it("streams events as they happen (one JSON object per line with --json) until Ctrl-C", async () => {
    const t = await tenant();
    const tail = startCli(["--json", "events", "tail", "--type", "mailbox.created"], t.env);
    try {
      // The stream is open once an event made now shows up.
      await until(async () => {
        await newMailbox(t.key);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return tail.stdout().length > 0;
      });
      const watched = await newMailbox(t.key);
      await until(() => tail.stdout().includes(watched.id));
      const lines = tail
        .stdout()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.every((e: { type: string }) => e.type === "mailbox.created")).toBe(true);
      expect(lines.at(-1)).toMatchObject({ type: "mailbox.created", data: { mailbox_id: watched.id, address: watched.email } });
    } finally {
      tail.child.kill("SIGINT");
      const [code] = await once(tail.child, "exit");
      expect(code).toBe(130);
    }
  });

  it("--mailbox takes an address, and prints a line per event", async () => {
    const t = await tenant();
    const watched = await newMailbox(t.key);
    const other = await newMailbox(t.key);
    const tail = startCli(["events", "tail", "--mailbox", watched.email], t.env);
    const transport = mxTransport(server.app.smtpPort);
    try {
      // The stream is open once mail delivered now shows up.
      await until(async () => {
        await transport.sendMail({ from: "shop@example.org", to: [watched.email, other.email], subject: "Hello", text: "x" });
        await new Promise((resolve) => setTimeout(resolve, 300));
        return tail.stdout().length > 0;
      });
      await server.call("DELETE", `/api/v1/emails/${other.id}`, { key: t.key });
      await server.call("DELETE", `/api/v1/emails/${watched.id}`, { key: t.key });
      await until(() => tail.stdout().includes("mailbox.deleted"));
      const lines = tail.stdout().trim().split("\n");
      expect(lines[0]).toMatch(new RegExp(`  message\\.received\\s+  ${watched.email} ← shop@example\\.org: Hello  msg_`));
      expect(lines.at(-1)).toMatch(new RegExp(`  mailbox\\.deleted\\s+  ${watched.email}  ${watched.id}$`));
      expect(tail.stdout()).not.toContain(other.email);
    } finally {
      transport.close();
      tail.child.kill("SIGINT");
      await once(tail.child, "exit");
    }
  });
});
