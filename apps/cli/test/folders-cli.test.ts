import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mxTransport, newInbox, startReceivingServer } from "../../api/test/support/receiving.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { runCli } from "./support/run-cli.js";

let server: TestServer;
beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

describe("mailroom folders, move, flag", () => {
  it("adds, lists, renames and removes folders; moves and flags a message", async () => {
    const inbox = await newInbox(server);
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: inbox.key };
    const info = await mxTransport(server.app.smtpPort).sendMail({
      from: "a@sender.test",
      to: inbox.address,
      subject: "File me",
      text: "x",
    });
    const id = /stored as (msg_\w+)/.exec(info.response)![1]!;

    const added = await runCli(["folders", "add", inbox.address, "Work/Projects"], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/name\s+Work\/Projects/);

    const flagged = await runCli(["flag", id, "+\\Flagged", "+later", "-\\Seen"], env);
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.stdout).toMatch(/flags\s+\\Flagged later/);

    const moved = await runCli(["move", id, "Work/Projects"], env);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/folder\s+Work\/Projects/);

    const renamed = await runCli(["folders", "rename", inbox.accountId, "Work", "Jobs"], env);
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toContain('No folder "Work" in this account');
    const renamedChild = await runCli(["folders", "rename", inbox.accountId, "Work/Projects", "Jobs"], env);
    expect(renamedChild.code, renamedChild.stderr).toBe(0);

    const listed = await runCli(["folders", "list", inbox.accountId], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/│ Jobs\s+│\s+│ 1\s+│ 1\s+│/);
    const inJobs = await runCli(["inbox", inbox.accountId, "--folder", "Jobs"], env);
    expect(inJobs.stdout).toContain(id);

    const inboxRm = await runCli(["folders", "rm", inbox.accountId, "INBOX"], env);
    expect(inboxRm.code).toBe(1);
    expect(inboxRm.stderr).toContain("INBOX cannot be deleted (FOLDER_NOT_DELETABLE)");
    const removed = await runCli(["folders", "rm", inbox.accountId, "Jobs"], env);
    expect(removed.code, removed.stderr).toBe(0);
    const gone = await runCli(["--json", "folders", "list", inbox.accountId], env);
    expect(JSON.parse(gone.stdout).folders.map((f: { name: string }) => f.name)).not.toContain("Jobs");
  }, 90_000);
});
