import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawImap } from "./support/imap-helpers.js";
import { newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";
import { awaitFreshWindow } from "./support/rate-windows.js";
import { deliver } from "./support/imap-helpers.js";

let server: TestServer;
let inbox: TestInbox;

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
  inbox = await newInbox(server);
  await deliver(server, inbox, { subject: "Only one", text: "hello" });
});
afterAll(async () => {
  await server?.stop();
});

async function loggedIn(): Promise<RawImap> {
  const imap = await RawImap.open(server.app.imap.port);
  expect(await imap.login(inbox.address)).toMatch(/^L1 OK/m);
  return imap;
}

async function stillAnswers(imap: RawImap): Promise<void> {
  expect(await imap.command("N9", "NOOP")).toMatch(/^N9 OK/m);
}

describe("IMAP malformed input", () => {
  it("answers BAD to unknown commands, unbalanced parentheses and bad arguments, and lives on", async () => {
    const imap = await loggedIn();
    expect(await imap.command("a1", "FROB")).toMatch(/^a1 BAD .*Unknown command FROB/m);
    expect(await imap.command("a2", "SELECT")).toMatch(/^a2 BAD/m);
    expect(await imap.command("a3", "SELECT INBOX")).toMatch(/^a3 OK \[READ-WRITE\]/m);
    expect(await imap.command("a4", "FETCH 1 (FLAGS UID")).toMatch(/^a4 BAD/m);
    expect(await imap.command("a5", "FETCH 1 FLAGS)")).toMatch(/^a5 BAD/m);
    expect(await imap.command("a6", "FETCH 1:x FLAGS")).toMatch(/^a6 BAD/m);
    expect(await imap.command("a7", "FETCH 5 FLAGS")).toMatch(/^a7 BAD .*sequence number/m);
    expect(await imap.command("a8", "UID FETCH 5:9 FLAGS")).toMatch(/^a8 OK/m);
    expect(await imap.command("a9", "SEARCH CHARSET KOI8-R TEXT x")).toMatch(/^a9 NO \[BADCHARSET/m);
    expect(await imap.command("b1", 'CREATE "bad%name"')).toMatch(/^b1 BAD/m);
    expect(await imap.command("b2", "STORE 1 +FLAGS (\\Recent)")).toMatch(/^b2 BAD/m);
    expect(await imap.command("b3", "SELECT Nowhere")).toMatch(/^b3 NO \[NONEXISTENT\]/m);
    await stillAnswers(imap);
    imap.close();
  });

  it("refuses commands in the wrong state", async () => {
    const imap = await RawImap.open(server.app.imap.port);
    expect(await imap.command("w1", "SELECT INBOX")).toMatch(/^w1 BAD .*not valid in the not-authenticated state/m);
    expect(await imap.command("w2", "FETCH 1 FLAGS")).toMatch(/^w2 BAD/m);
    expect(await imap.login(inbox.address)).toMatch(/^L1 OK/m);
    expect(await imap.command("w3", "FETCH 1 FLAGS")).toMatch(/^w3 BAD .*authenticated state/m);
    expect(await imap.command("w4", `LOGIN ${inbox.address} x`)).toMatch(/^w4 BAD/m);
    await stillAnswers(imap);
    imap.close();
  });

  it("a 1 MB line is answered BAD and the session lives", async () => {
    const imap = await loggedIn();
    imap.send(`x1 NOOP ${"a".repeat(1024 * 1024)}\r\n`);
    expect(await imap.until(/^x1 BAD [^\r\n]*too long\r\n/m)).toBeTruthy();
    await stillAnswers(imap);
    imap.close();
  });

  it("a literal over the limit is refused before it is sent; a bad literal is BAD", async () => {
    const before = await RawImap.open(server.app.imap.port);
    // Before login a literal holds a user name or password at most.
    before.send("t1 LOGIN {100000}\r\n");
    expect(await before.until(/^t1 NO \[TOOBIG\][^\r\n]*\r\n/m)).toBeTruthy();
    await stillAnswers(before);
    before.close();

    const imap = await loggedIn();
    const tooBig = server.app.core.deps.config.smtp.maxMessageBytes + 1;
    imap.send(`t2 APPEND INBOX {${tooBig}}\r\n`);
    expect(await imap.until(/^t2 NO \[TOOBIG\][^\r\n]*\r\n/m)).toBeTruthy();
    imap.send("t3 LOGIN {5}\r\nab");
    imap.send("\r\n");
    // The literal's 5 bytes are "ab\r\n" plus the next byte: the framing stays in step either way.
    await stillAnswersAfter(imap);
    imap.close();
  });

  it("too many BADs in a row end the session with BYE", async () => {
    const imap = await RawImap.open(server.app.imap.port);
    for (let i = 0; i < 19; i++) expect(await imap.command(`z${i}`, "GARBAGE")).toMatch(/BAD/);
    imap.send("z20 GARBAGE\r\n");
    expect(await imap.until(/^\* BYE [^\r\n]*\r\n/m)).toBeTruthy();
    for (let i = 0; i < 50 && !imap.closed; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(imap.closed).toBe(true);
  });

  it("pipelined commands are answered in order", async () => {
    const imap = await loggedIn();
    imap.send("p1 NOOP\r\np2 SELECT INBOX\r\np3 FETCH 1 (UID)\r\np4 NOOP\r\n");
    const out = await imap.until(/^p4 OK[^\r\n]*\r\n/m);
    const order = [...out.matchAll(/^(p\d) OK/gm)].map((m) => m[1]);
    expect(order).toEqual(["p1", "p2", "p3", "p4"]);
    expect(out).toMatch(/\* 1 FETCH \(UID 1\)/);
    imap.close();
  });
});

describe("IMAP login refusals", () => {
  it("a wrong password is NO [AUTHENTICATIONFAILED], counted, and then the address is throttled", async () => {
    await awaitFreshWindow();
    const victim = await newInbox(server);
    // A client address of its own: failed logins also count per IP, one count for submission, IMAP
    // and POP3 on the whole database, and other test files log in from 127.0.0.1 meanwhile.
    const imap = await RawImap.open(server.app.imap.port, "127.0.0.9");
    expect(await imap.login(victim.address, "wrong-password")).toMatch(/^L1 NO \[AUTHENTICATIONFAILED\]/m);
    const counted = await server.app.database.db
      .selectFrom("rate_limit_windows")
      .select("count")
      .where("subject", "=", `mailbox-login-fail:addr:${victim.address}`)
      .executeTakeFirst();
    expect(counted?.count).toBe(1);
    for (let i = 0; i < 4; i++)
      expect(await imap.command(`f${i}`, `LOGIN ${victim.address} nope${i}`)).toMatch(/NO \[AUTHENTICATIONFAILED\]/);
    // Blocked now: even the right password is refused, without a check.
    expect(await imap.command("f9", `LOGIN ${victim.address} securePass123`)).toMatch(/^f9 NO \[UNAVAILABLE\]/m);
    const plain = Buffer.from(`\0${victim.address}\0securePass123`).toString("base64");
    expect(await imap.command("f10", `AUTHENTICATE PLAIN ${plain}`)).toMatch(/^f10 NO \[UNAVAILABLE\]/m);
    imap.close();
  });

  it("AUTHENTICATE PLAIN with an initial response and with a continuation", async () => {
    const fresh = await newInbox(server);
    const plain = Buffer.from(`\0${fresh.address}\0securePass123`).toString("base64");
    const one = await RawImap.open(server.app.imap.port);
    expect(await one.command("s1", `AUTHENTICATE PLAIN ${plain}`)).toMatch(/^s1 OK \[CAPABILITY [^\]]*UIDPLUS/m);
    one.close();
    const two = await RawImap.open(server.app.imap.port);
    two.send("s2 AUTHENTICATE PLAIN\r\n");
    await two.until(/^\+ ?\r\n/m);
    two.send(`${plain}\r\n`);
    expect(await two.until(/^s2 (OK|NO|BAD)[^\r\n]*\r\n/m)).toMatch(/^s2 OK/m);
    two.close();
    const three = await RawImap.open(server.app.imap.port);
    three.send("s3 AUTHENTICATE PLAIN\r\n");
    await three.until(/^\+ ?\r\n/m);
    three.send("*\r\n");
    expect(await three.until(/^s3 (OK|NO|BAD)[^\r\n]*\r\n/m)).toMatch(/^s3 BAD/m);
    expect(await three.command("s4", "AUTHENTICATE CRAM-MD5")).toMatch(/^s4 NO/m);
    three.close();
  });

  it("the greeting advertises AUTH=PLAIN on loopback, and LOGOUT says BYE", async () => {
    const imap = await RawImap.open(server.app.imap.port);
    expect(await imap.command("c1", "CAPABILITY")).toMatch(/^\* CAPABILITY IMAP4rev1 [^\r\n]*AUTH=PLAIN/m);
    const out = await imap.command("c2", "LOGOUT");
    expect(out).toMatch(/^\* BYE/m);
    expect(out).toMatch(/^c2 OK/m);
  });
});

/** After a deliberately mis-framed command: whatever it was answered, NOOP is answered next. */
async function stillAnswersAfter(imap: RawImap): Promise<void> {
  imap.send("\r\nN8 NOOP\r\n");
  expect(await imap.until(/^N8 OK[^\r\n]*\r\n/m)).toBeTruthy();
}
