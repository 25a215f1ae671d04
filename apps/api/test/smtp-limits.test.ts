import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTestDatabase } from "./support/test-database.js";
import { download, listInbox, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { SmtpSession } from "./support/smtp-session.js";
import type { TestServer } from "./support/test-server.js";

/** A second client: Linux routes all of 127.0.0.0/8 to loopback, so this is another source address. */
const OTHER_IP = "127.0.0.2";

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function expectHungUp(session: SmtpSession): Promise<void> {
  await until("the server to close the connection", () => session.closed);
}

function logCollector() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logTo: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe("sessions per client and in total (MX)", () => {
  let server: TestServer;
  let inbox: TestInbox;
  const log = logCollector();
  beforeAll(async () => {
    server = await startReceivingServer(
      { MAILROOM_SMTP_MAX_SESSIONS: "3", MAILROOM_SMTP_MAX_SESSIONS_PER_IP: "2", MAILROOM_SMTP_MAX_BAD_RECIPIENTS: "3" },
      { logTo: log.logTo },
    );
    inbox = await newInbox(server);
  });
  afterAll(() => server.stop());

  const sessionsNow = () => server.app.smtpStats().mx.sessions;

  it("refuses a client's third session with 421 4.7.0, counts each address apart, and refuses past the total with 421 4.3.2", async () => {
    const port = server.app.smtpPort;
    const first = await SmtpSession.open(port);
    const second = await SmtpSession.open(port);
    const open = [first, second];
    try {
      expect(first.greeting).toMatch(/^220 /);
      expect(second.greeting).toMatch(/^220 /);
      const third = await SmtpSession.open(port);
      expect(third.greeting).toBe("421 4.7.0 Too many sessions from your address");
      await expectHungUp(third);

      // The same limit, but another address: its own count.
      const other = await SmtpSession.open(port, "127.0.0.1", OTHER_IP);
      open.push(other);
      expect(other.greeting).toMatch(/^220 /);
      expect(sessionsNow()).toBe(3);
      // Three sessions in all: the fourth is refused whoever asks.
      const overTotal = await SmtpSession.open(port, "127.0.0.1", OTHER_IP);
      expect(overTotal.greeting).toBe("421 4.3.2 Too many connected clients, try again in a moment");
      await expectHungUp(overTotal);

      // A session that ends frees its place.
      first.close();
      await until("the closed session to be counted out", () => sessionsNow() === 2);
      const again = await SmtpSession.open(port);
      open.push(again);
      expect(again.greeting).toMatch(/^220 /);
      expect(await again.command("NOOP")).toMatch(/^250 /);

      const refusals = log.lines.filter((l) => l.msg === "smtp connection refused");
      expect(refusals.map((l) => [l.ip, l.reason, l.limit])).toEqual([
        ["127.0.0.1", "sessions per client", 2],
        [OTHER_IP, "sessions", 3],
      ]);
    } finally {
      for (const s of open) s.close();
    }
    await until("all sessions to be counted out", () => sessionsNow() === 0);
  });

  it("answers unknown recipients 550 up to the cap, then 421 4.7.0 and hangs up; known ones do not count", async () => {
    const session = await SmtpSession.open(server.app.smtpPort);
    try {
      await session.command("EHLO sender.test");
      expect(await session.command("MAIL FROM:<probe@sender.test>")).toMatch(/^250 /);
      expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
      for (const guess of ["alice", "bob", "carol"]) {
        expect(await session.command(`RCPT TO:<${guess}-nobody@ig.do>`)).toMatch(/^550 5\.1\.1 /);
      }
      // RSET does not reset the count: it is per session, not per transaction.
      expect(await session.command("RSET")).toMatch(/^250 /);
      expect(await session.command("MAIL FROM:<probe@sender.test>")).toMatch(/^250 /);
      expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
      expect(await session.command("RCPT TO:<dave-nobody@ig.do>")).toBe(
        "421 4.7.0 Too many unknown recipients, closing connection",
      );
      await expectHungUp(session);
    } finally {
      session.close();
    }
    expect(await listInbox(server, inbox)).toEqual([]);
    const closed = log.lines.filter((l) => l.msg === "smtp session closed");
    expect(closed).toEqual([expect.objectContaining({ ip: "127.0.0.1", reason: "unknown recipients", limit: 3 })]);
  });
});

describe("new connections per client per minute (both listeners)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startReceivingServer({ MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE: "3" });
  });
  afterAll(() => server.stop());

  for (const listener of ["MX", "submission"] as const) {
    it(`${listener}: the fourth connection in a minute gets 421 4.7.0; another address still gets in`, async () => {
      const port = listener === "MX" ? server.app.smtpPort : server.app.submissionPort;
      for (let i = 0; i < 3; i++) {
        const session = await SmtpSession.open(port);
        expect(session.greeting).toMatch(/^220 /);
        expect(await session.command("QUIT")).toMatch(/^221 /);
        session.close();
      }
      const refused = await SmtpSession.open(port);
      expect(refused.greeting).toBe("421 4.7.0 Too many connections from your address, slow down");
      await expectHungUp(refused);
      const other = await SmtpSession.open(port, "127.0.0.1", OTHER_IP);
      expect(other.greeting).toMatch(/^220 /);
      other.close();
    });
  }
});

describe("idle and DATA timeouts", () => {
  let server: TestServer;
  let inbox: TestInbox;
  const log = logCollector();
  beforeAll(async () => {
    server = await startReceivingServer(
      { MAILROOM_SMTP_IDLE_TIMEOUT_S: "1", MAILROOM_SMTP_DATA_TIMEOUT_S: "2" },
      { logTo: log.logTo },
    );
    inbox = await newInbox(server);
  });
  afterAll(() => server.stop());

  for (const listener of ["MX", "submission"] as const) {
    it(`${listener}: a session that says nothing is closed with 421 after the idle timeout`, async () => {
      const port = listener === "MX" ? server.app.smtpPort : server.app.submissionPort;
      const session = await SmtpSession.open(port);
      try {
        expect(await session.command("EHLO sender.test")).toMatch(/^250/);
        expect(await session.reply(15_000)).toMatch(/^421 /);
        await expectHungUp(session);
      } finally {
        session.close();
      }
      const component = listener === "MX" ? "smtp-mx" : "smtp-submission";
      expect(log.lines.filter((l) => l.msg === "smtp session closed" && l.component === component)).toEqual([
        expect.objectContaining({ ip: "127.0.0.1", reason: "Timeout - closing connection" }),
      ]);
    });
  }

  it("MX: a message trickled slower than the DATA timeout allows is cut off with 421 4.4.2, nothing stored, nothing held", async () => {
    const session = await SmtpSession.open(server.app.smtpPort);
    let trickle: NodeJS.Timeout | undefined;
    try {
      await session.command("EHLO sender.test");
      await session.command("MAIL FROM:<slow@sender.test>");
      expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
      expect(await session.command("DATA")).toMatch(/^354 /);
      session.write("Subject: slow\r\n\r\n");
      // A byte every 200 ms: never idle for the 1 s idle timeout, but never done either.
      trickle = setInterval(() => session.write("x"), 200);
      expect(await session.reply(15_000)).toBe("421 4.4.2 DATA took too long, closing connection");
      await expectHungUp(session);
    } finally {
      clearInterval(trickle);
      session.close();
    }
    await until("the message's memory to be given back", () => server.app.smtpStats().mx.bytesInMemory === 0);
    expect(server.app.smtpStats().mx).toMatchObject({ spoolFiles: 0, bytesInMemory: 0 });
    expect(await listInbox(server, inbox)).toEqual([]);
    expect(log.lines.filter((l) => l.reason === "data timeout")).toEqual([
      expect.objectContaining({ msg: "smtp session closed", ip: "127.0.0.1", limitMs: 2000 }),
    ]);
  });
});

describe("memory held by unfinished DATA (MAILROOM_SMTP_MEMORY_BYTES)", () => {
  const BUDGET = 256 * 1024;
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-limits-"));
  const spoolDir = join(dataDir, "spool");
  let server: TestServer;
  let inbox: TestInbox;
  const log = logCollector();
  beforeAll(async () => {
    server = await startReceivingServer(
      { MAILROOM_SMTP_MEMORY_BYTES: String(BUDGET), MAILROOM_DATA_DIR: dataDir },
      { logTo: log.logTo },
    );
    inbox = await newInbox(server);
  });
  afterAll(() => server.stop());

  /** About `bytes` of message, unique per `n`, CRLF lines. */
  function bigMessage(n: number, bytes: number): Buffer {
    const line = `${String(n).padStart(4, "0")} ${"abcdefghij".repeat(7)}\r\n`;
    return Buffer.from(`Subject: big ${n}\r\nFrom: s${n}@sender.test\r\n\r\n${line.repeat(Math.ceil(bytes / line.length))}`);
  }

  it("keeps at most the budget in memory, spools the rest to files, then stores every message byte for byte and deletes the files", async () => {
    const messages = [0, 1, 2, 3].map((n) => bigMessage(n, 200_000));
    const sessions = await Promise.all(messages.map(() => SmtpSession.open(server.app.smtpPort)));
    try {
      for (const session of sessions) {
        await session.command("EHLO sender.test");
        expect(await session.command("MAIL FROM:<big@sender.test>")).toMatch(/^250 /);
        expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
        expect(await session.command("DATA")).toMatch(/^354 /);
      }
      // Four unfinished messages of 200 kB each: 800 kB sent, 256 KiB allowed in memory.
      for (const [i, session] of sessions.entries()) session.write(messages[i]!);
      const total = messages.reduce((sum, m) => sum + m.length, 0);
      let peak = 0;
      await until("the server to have read every byte sent", () => {
        const { bytesInMemory, spoolFiles } = server.app.smtpStats().mx;
        peak = Math.max(peak, bytesInMemory);
        const spooled = readdirSync(spoolDir).reduce((sum, name) => sum + statSize(join(spoolDir, name)), 0);
        // The parser holds back the last bytes of each message until it sees whether the final dot follows.
        return spoolFiles >= 3 && bytesInMemory + spooled >= total - 4 * 8;
      });
      expect(peak).toBeLessThanOrEqual(BUDGET);
      expect(server.app.smtpStats().mx.bytesInMemory).toBeLessThanOrEqual(BUDGET);
      expect(readdirSync(spoolDir)).toHaveLength(server.app.smtpStats().mx.spoolFiles);

      for (const session of sessions) session.write(".\r\n");
      const replies = await Promise.all(sessions.map((s) => s.reply(60_000)));
      for (const reply of replies) expect(reply).toMatch(/^250 /);
    } finally {
      for (const s of sessions) s.close();
    }
    expect(server.app.smtpStats().mx).toMatchObject({ bytesInMemory: 0, spoolFiles: 0 });
    expect(readdirSync(spoolDir)).toEqual([]);

    const listed = await listInbox(server, inbox);
    expect(listed).toHaveLength(4);
    for (const [n, sent] of messages.entries()) {
      const item = listed.find((m) => m.subject === `big ${n}`)!;
      const stored = await download(server, `/api/v1/messages/${item.id}/raw`, inbox.key);
      // Our Received-SPF, Authentication-Results and Received on top, then the bytes as sent.
      expect(stored.bytes.subarray(stored.bytes.length - sent.length).equals(sent)).toBe(true);
      expect(stored.bytes.subarray(0, stored.bytes.length - sent.length).toString()).toMatch(
        /^Received-SPF: [\s\S]*\r\nReceived: /,
      );
    }
  }, 120_000);

  it("refuses a 2.1 MB header line and 100,000 header fields with 554 5.6.0, stores nothing, and the session goes on", async () => {
    const longLine = `X-Long: ${"a".repeat(2_100_000)}\r\nSubject: long line\r\n\r\nbody\r\n`;
    const manyFields = `${Array.from({ length: 100_000 }, (_, i) => `X-F${i}: v\r\n`).join("")}Subject: many fields\r\n\r\nbody\r\n`;
    const session = await SmtpSession.open(server.app.smtpPort);
    try {
      await session.command("EHLO sender.test");
      for (const [message, expected] of [
        [longLine, "554 5.6.0 Message refused: a header section is larger than 1 MiB (or has too many fields)"],
        [manyFields, "554 5.6.0 Message refused: a header section is larger than 1 MiB (or has too many fields)"],
      ] as const) {
        expect(await session.command("MAIL FROM:<odd@sender.test>")).toMatch(/^250 /);
        expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
        expect(await session.data(message)).toBe(expected);
        expect(await session.command("RSET")).toMatch(/^250 /);
      }
      expect(await session.command("MAIL FROM:<odd@sender.test>")).toMatch(/^250 /);
      expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250 /);
      expect(await session.data("Subject: fine\r\n\r\nafter the refusals\r\n")).toMatch(/^250 /);
    } finally {
      session.close();
    }
    const subjects = (await listInbox(server, inbox)).map((m) => m.subject);
    expect(subjects).toContain("fine");
    expect(subjects).not.toContain("long line");
    expect(subjects).not.toContain("many fields");
    expect(server.app.smtpStats().mx).toMatchObject({ bytesInMemory: 0, spoolFiles: 0 });
    const refused = log.lines.filter((l) => l.msg === "message refused");
    expect(refused).toHaveLength(2);
    for (const line of refused) {
      expect(line).toMatchObject({ ip: "127.0.0.1", reason: expect.stringMatching(/header section/) });
      expect(JSON.stringify(line)).not.toContain("aaaaaaaa");
    }
  }, 120_000);
});

describe("parse limits on the submission port", () => {
  let server: TestServer;
  let sender: TestInbox;
  let neighbour: TestInbox;
  beforeAll(async () => {
    server = await startReceivingServer({}, { backgroundJobs: false });
    sender = await newInbox(server);
    neighbour = await newInbox(server);
  });
  afterAll(() => server.stop());

  it("refuses 100,000 header fields with 554 5.6.0 for hosted and remote recipients alike, queues nothing, and takes the next message", async () => {
    const session = await SmtpSession.open(server.app.submissionPort);
    const header = `From: ${sender.address}\r\n`;
    const manyFields = `${header}${Array.from({ length: 100_000 }, (_, i) => `X-F${i}: v\r\n`).join("")}Subject: many\r\n\r\nbody\r\n`;
    try {
      await session.command("EHLO client.test");
      const credentials = Buffer.from(`\0${sender.address}\0securePass123`).toString("base64");
      expect(await session.command(`AUTH PLAIN ${credentials}`)).toMatch(/^235 /);
      for (const recipient of [neighbour.address, "someone@remote.example"]) {
        expect(await session.command(`MAIL FROM:<${sender.address}>`)).toMatch(/^250 /);
        expect(await session.command(`RCPT TO:<${recipient}>`)).toMatch(/^250 /);
        expect(await session.data(manyFields)).toBe(
          "554 5.6.0 Message refused: a header section is larger than 1 MiB (or has too many fields)",
        );
        expect(await session.command("RSET")).toMatch(/^250 /);
      }
      const { db } = await getTestDatabase();
      const queued = await db.selectFrom("outbound_messages").select("id").where("tenant_id", "=", sender.tenantId).execute();
      expect(queued).toEqual([]);
      expect(await listInbox(server, neighbour)).toEqual([]);

      expect(await session.command(`MAIL FROM:<${sender.address}>`)).toMatch(/^250 /);
      expect(await session.command(`RCPT TO:<${neighbour.address}>`)).toMatch(/^250 /);
      expect(await session.data(`${header}Subject: fine\r\n\r\nbody\r\n`)).toMatch(/^250 2\.0\.0 Queued as /);
    } finally {
      session.close();
    }
    expect((await listInbox(server, neighbour)).map((m) => m.subject)).toEqual(["fine"]);
    expect(server.app.smtpStats().submission).toMatchObject({ bytesInMemory: 0, spoolFiles: 0 });
  }, 60_000);
});

function statSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // deleted between the listing and the stat
  }
}
