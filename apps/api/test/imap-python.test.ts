import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, PASSWORD } from "./support/imap-helpers.js";
import { download, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

/** Python's standard imaplib: a client we did not write, with its own parser of our responses. */
const SCRIPT = String.raw`
import hashlib, imaplib, json, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}
m = imaplib.IMAP4("127.0.0.1", port)
out["capabilities"] = sorted(m.capabilities)
out["login"] = m.login(user, password)[0]
typ, data = m.select("INBOX")
out["exists"] = int(data[0])
typ, data = m.search(None, "ALL")
out["all"] = data[0].decode()
typ, data = m.search(None, "SUBJECT", '"python"', "UNSEEN")
out["subject"] = data[0].decode()
typ, data = m.uid("SEARCH", None, "FROM", "dave@")
out["uid_from"] = data[0].decode()
typ, data = m.fetch("2", "(UID RFC822.SIZE BODY.PEEK[])")
out["size_line"] = data[0][0].decode()
out["body_sha256"] = hashlib.sha256(data[0][1]).hexdigest()
typ, data = m.store("2", "+FLAGS", "(\\Flagged)")
out["store"] = [d.decode() for d in data]
typ, data = m.fetch("2", "(FLAGS)")
out["flags"] = data[0].decode()
typ, data = m.list()
out["list"] = [d.decode() for d in data]
out["logout"] = m.logout()[0]
print(json.dumps(out))
`;

function python(args: string[]): Promise<{ status: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile("python3", ["-c", SCRIPT, ...args], { encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? 1 : 0, out: stdout, err: stderr });
    });
  });
}

let server: TestServer;
let inbox: TestInbox;
let second: string;

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
  inbox = await newInbox(server);
  await deliver(server, inbox, { subject: "Hello python", text: "one" });
  second = (await deliver(server, inbox, { subject: "From Dave", from: "dave@sender.test", text: "two ".repeat(2000) })).id;
});
afterAll(async () => {
  await server?.stop();
});

describe("IMAP with Python's imaplib", () => {
  it("logs in, selects, searches, fetches byte-exact, stores a flag and lists", async () => {
    const run = await python([String(server.app.imap.port), inbox.address, PASSWORD]);
    expect(run.status, run.err).toBe(0);
    const out = JSON.parse(run.out);
    expect(out.capabilities).toEqual(expect.arrayContaining(["IMAP4REV1", "IDLE", "AUTH=PLAIN"]));
    expect(out.login).toBe("OK");
    expect(out.exists).toBe(2);
    expect(out.all).toBe("1 2");
    expect(out.subject).toBe("1");
    expect(out.uid_from).toBe("2");
    const stored = (await download(server, `/api/v1/messages/${second}/raw`, inbox.key)).bytes;
    expect(out.size_line).toMatch(new RegExp(`^2 \\(UID 2 RFC822.SIZE ${stored.length} BODY\\[\\] \\{${stored.length}\\}$`));
    const { createHash } = await import("node:crypto");
    expect(out.body_sha256).toBe(createHash("sha256").update(stored).digest("hex"));
    expect(out.store[0]).toMatch(/^2 \(FLAGS \(\\Flagged\)\)$/);
    expect(out.flags).toMatch(/^2 \(FLAGS \(\\Flagged\)\)$/);
    expect(out.list).toContain('(\\HasNoChildren \\Trash) "/" Trash');
    expect(out.logout).toBe("BYE");
  });
});
