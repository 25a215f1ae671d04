import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, startReceivingServer } from "../../api/test/support/receiving.js";
import { uniqueLocal } from "../../api/test/support/test-domains.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { runCli } from "./support/run-cli.js";

let server: TestServer;
beforeAll(async () => {
  // No delivery worker takes these tenants' mail: a remote recipient stays queued.
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

async function sender() {
  const tenant = await server.createTenant("pro");
  const box = await addInbox(server, { key: tenant.api_key, tenantId: tenant.id }, uniqueLocal("cli"));
  return { key: tenant.api_key, address: box.address, env: { MAILROOM_URL: server.url, MAILROOM_API_KEY: tenant.api_key } };
}

async function send(key: string, from: string, to: string[], subject: string): Promise<string> {
  const res = await server.call("POST", "/api/v1/send", { key, body: { from, to, subject, text: "hi" } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.message_id;
}

/** One message of each kind, oldest first: to its own mailbox (sent), to a remote domain (queued), to nobody (failed). */
async function sendThree(s: { key: string; address: string }) {
  const delivered = await send(s.key, s.address, [s.address], "Delivered here");
  const waiting = await send(s.key, s.address, [`someone-${uniqueLocal()}@remote.example`], "Still queued");
  const bounced = await send(s.key, s.address, [`nobody-${uniqueLocal()}@ig.do`], "Bounced");
  return { delivered, waiting, bounced };
}

describe("mailroom sent", () => {
  it("lists sent messages as a table, newest first, and filters by status", async () => {
    const s = await sender();
    const { delivered, waiting, bounced } = await sendThree(s);

    const table = await runCli(["sent"], s.env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/│ id\s+│ when\s+│ from\s+│ to\s+│ subject\s+│ status\s+│/);
    const lines = table.stdout.split("\n");
    const lineOf = (id: string) => lines.find((l) => l.includes(id)) ?? "";
    expect(lineOf(delivered)).toMatch(/Delivered here\s+│ sent\s+│/);
    expect(lineOf(waiting)).toMatch(/Still queued\s+│ queued\s+│/);
    expect(lineOf(bounced)).toMatch(/Bounced\s+│ failed\s+│/);
    // Newest first.
    expect(lines.findIndex((l) => l.includes(bounced))).toBeLessThan(lines.findIndex((l) => l.includes(delivered)));

    const queued = await runCli(["sent", "--status", "queued"], s.env);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toContain(waiting);
    expect(queued.stdout).not.toContain(delivered);
    expect(queued.stdout).not.toContain(bounced);
  }, 120_000);

  it("filters by sender address and pages with --limit, --cursor and --json", async () => {
    const s = await sender();
    const { delivered, waiting, bounced } = await sendThree(s);

    const elsewhere = await runCli(["sent", "--from", `nobody-${uniqueLocal()}@ig.do`], s.env);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toBe("(none)\n");

    const first = await runCli(["--json", "sent", "--limit", "2", "--from", s.address.toUpperCase()], s.env);
    expect(first.code, first.stderr).toBe(0);
    const page = JSON.parse(first.stdout) as { messages: { id: string; status: string }[]; next_cursor: string | null };
    expect(page.messages.map((m) => m.id)).toEqual([bounced, waiting]);
    expect(page.next_cursor).toBe(waiting);
    const rest = await runCli(["--json", "sent", "--limit", "2", "--cursor", page.next_cursor!], s.env);
    expect(JSON.parse(rest.stdout)).toEqual({
      messages: [expect.objectContaining({ id: delivered, status: "sent" })],
      next_cursor: null,
    });
  }, 120_000);

  it("shows none of another tenant's mail", async () => {
    const mine = await sender();
    const theirs = await sender();
    const theirId = await send(theirs.key, theirs.address, [theirs.address], "Theirs");
    const run = await runCli(["sent"], mine.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("(none)\n");
    expect(run.stdout).not.toContain(theirId);
  }, 60_000);

  it("prints the server's message for a bad --status or --cursor and exits 1", async () => {
    const s = await sender();
    const status = await runCli(["sent", "--status", "delivered"], s.env);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("Invalid request data (VALIDATION_ERROR)");
    expect(status.stderr).toContain("status: Must be one of queued, sent, partially_failed, failed");
    const cursor = await runCli(["sent", "--cursor", "bogus"], s.env);
    expect(cursor.code).toBe(1);
    expect(cursor.stderr).toContain("cursor: Cursor is invalid");
  }, 60_000);
});
