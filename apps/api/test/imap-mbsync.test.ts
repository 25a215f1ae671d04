import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, imapClient, PASSWORD, present } from "./support/imap-helpers.js";
import { newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

/** mbsync (Debian `isync`): a real synchronizer, both ways, between our IMAP and a Maildir. */
const MBSYNC = spawnSync("mbsync", ["--version"]).status === 0;
if (!MBSYNC) console.warn("imap-mbsync.test.ts skipped: mbsync is not installed (apt-get install isync)");

let server: TestServer;
let inbox: TestInbox;
let dir: string;
let config: string;

function mbsync(): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile("mbsync", ["-c", config, "-a"], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? 1 : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** The Maildir's messages of a folder: file name (flags after ":2,") and contents. */
function local(folder: string): { file: string; path: string; flags: string; text: string }[] {
  const out = [];
  for (const sub of ["cur", "new"]) {
    const path = join(dir, "mail", folder, sub);
    let names: string[] = [];
    try {
      names = readdirSync(path);
    } catch {
      continue;
    }
    for (const file of names) {
      out.push({
        file,
        path: join(path, file),
        flags: file.split(":2,")[1] ?? "",
        text: readFileSync(join(path, file), "latin1"),
      });
    }
  }
  return out;
}

function subjectOf(text: string): string {
  return /^Subject: (.*)$/m.exec(text)?.[1]?.trim() ?? "";
}

beforeAll(async () => {
  if (!MBSYNC) return;
  server = await startReceivingServer({}, { backgroundJobs: false });
  inbox = await newInbox(server);
  dir = mkdtempSync(join(tmpdir(), "mailroom-mbsync-"));
  mkdirSync(join(dir, "mail"), { recursive: true });
  config = join(dir, "mbsyncrc");
  writeFileSync(
    config,
    [
      "IMAPAccount test",
      "Host 127.0.0.1",
      `Port ${server.app.imap.port}`,
      `User ${inbox.address}`,
      `Pass ${PASSWORD}`,
      "SSLType None",
      "AuthMechs LOGIN",
      "",
      "IMAPStore remote",
      "Account test",
      "",
      "MaildirStore local",
      `Path ${join(dir, "mail")}/`,
      `Inbox ${join(dir, "mail", "INBOX")}`,
      "SubFolders Verbatim",
      "",
      "Channel test",
      "Far :remote:",
      "Near :local:",
      "Patterns INBOX Trash",
      "Create Both",
      "Expunge Both",
      "SyncState *",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!MBSYNC)("IMAP with mbsync", () => {
  it("syncs new mail down, flags both ways, and moves to Trash on either side", async () => {
    await deliver(server, inbox, { subject: "Alpha", text: "a" });
    await deliver(server, inbox, { subject: "Beta", text: "b" });
    let run = await mbsync();
    expect(run.status, run.out).toBe(0);
    expect(
      local("INBOX")
        .map((m) => subjectOf(m.text))
        .sort(),
    ).toEqual(["Alpha", "Beta"]);

    // Flags both ways: Alpha read locally, Beta flagged on the server.
    const alpha = local("INBOX").find((m) => subjectOf(m.text) === "Alpha")!;
    renameSync(alpha.path, join(dir, "mail", "INBOX", "cur", `${alpha.file.split(":2,")[0]}:2,S`));
    const client = await imapClient(server, inbox);
    try {
      await client.mailboxOpen("INBOX");
      const [flagUid] = present(await client.search({ subject: "Beta" }, { uid: true }));
      await client.messageFlagsAdd(String(flagUid), ["\\Flagged"], { uid: true });
      run = await mbsync();
      expect(run.status, run.out).toBe(0);
      const [alphaUid] = present(await client.search({ subject: "Alpha" }, { uid: true }));
      const remoteAlpha = await client.fetchOne(String(alphaUid), { flags: true }, { uid: true });
      expect(remoteAlpha && remoteAlpha.flags!.has("\\Seen")).toBe(true);
      expect(local("INBOX").find((m) => subjectOf(m.text) === "Beta")!.flags).toContain("F");

      // Moved to Trash on the server: the Maildir follows.
      const [betaUid] = present(await client.search({ subject: "Beta" }, { uid: true }));
      await client.messageMove(String(betaUid), "Trash", { uid: true });
      run = await mbsync();
      expect(run.status, run.out).toBe(0);
      expect(local("INBOX").map((m) => subjectOf(m.text))).toEqual(["Alpha"]);
      expect(local("Trash").map((m) => subjectOf(m.text))).toEqual(["Beta"]);

      // Moved to Trash in the Maildir: the server follows.
      const alphaNow = local("INBOX")[0]!;
      const bare = alphaNow.file.replace(/,U=\d+/, "");
      renameSync(alphaNow.path, join(dir, "mail", "Trash", "cur", bare));
      await deliver(server, inbox, { subject: "Gamma", text: "g" });
      run = await mbsync();
      expect(run.status, run.out).toBe(0);
      const inboxSubjects = [];
      await client.mailboxOpen("INBOX");
      for await (const m of client.fetch("1:*", { envelope: true })) inboxSubjects.push(m.envelope!.subject);
      expect(inboxSubjects).toEqual(["Gamma"]);
      await client.mailboxOpen("Trash");
      const trashSubjects = [];
      for await (const m of client.fetch("1:*", { envelope: true })) trashSubjects.push(m.envelope!.subject);
      expect(trashSubjects.sort()).toEqual(["Alpha", "Beta"]);
      // And the new mail came down.
      expect(local("INBOX").map((m) => subjectOf(m.text))).toEqual(["Gamma"]);
    } finally {
      await client.logout();
    }
  });
});
