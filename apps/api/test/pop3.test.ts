import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { plainResponse, Pop3Wire, poplib } from "./support/pop3-wire.js";
import { awaitFreshWindow } from "./support/rate-windows.js";
import { download, listInbox, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { getTestDatabase } from "./support/test-database.js";
import type { TestServer } from "./support/test-server.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));
const PASSWORD = "securePass123";

let dns: TestDnsServer;
let server: TestServer;
let tlsFiles: { cert: string; key: string } | undefined;

/** A self-signed certificate for STLS and POP3S, when openssl is there. */
function testCertificate(): { cert: string; key: string } | undefined {
  if (!OPENSSL) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "mailroom-pop3-tls-"));
  const files = { key: join(dir, "key.pem"), cert: join(dir, "cert.pem") };
  execFileSync(
    OPENSSL,
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      files.key,
      "-out",
      files.cert,
      "-days",
      "1",
      "-subj",
      "/CN=mx.mailroom.test",
    ],
    { stdio: "ignore" },
  );
  return files;
}

beforeAll(async () => {
  dns = await TestDnsServer.start();
  tlsFiles = testCertificate();
  server = await startReceivingServer({
    MAILROOM_DNS_SERVERS: dns.address,
    ...(tlsFiles ? { SMTP_TLS_CERT: tlsFiles.cert, SMTP_TLS_KEY: tlsFiles.key } : {}),
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await dns?.stop();
});

const pop3Port = () => server.app.pop3Port!;

/** Deliver raw bytes to the inbox through the MX; the stored copy's id. */
async function deliver(inbox: TestInbox, raw: string | Buffer, on: TestServer = server): Promise<string> {
  const info = await mxTransport(on.app.smtpPort).sendMail({
    envelope: { from: "sender@sender.test", to: [inbox.address] },
    raw,
  });
  return /stored as (msg_\w+)/.exec(info.response)![1]!;
}

/** The bytes /raw serves: what POP3 must send. */
async function stored(inbox: TestInbox, id: string, on: TestServer = server): Promise<Buffer> {
  const res = await download(on, `/api/v1/messages/${id}/raw`, inbox.key);
  expect(res.status).toBe(200);
  return res.bytes;
}

function message(subject: string, body: string): string {
  return `From: Sender <sender@sender.test>\r\nTo: someone@ig.do\r\nSubject: ${subject}\r\n\r\n${body}`;
}

async function loggedIn(inbox: TestInbox, port = pop3Port()): Promise<Pop3Wire> {
  const wire = await Pop3Wire.open(port);
  expect(await wire.command(`USER ${inbox.address}`)).toBe("+OK Send PASS");
  expect(await wire.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK /);
  return wire;
}

async function failureCount(address: string): Promise<number> {
  const { db } = await getTestDatabase();
  const rows = await db
    .selectFrom("rate_limit_windows")
    .select("count")
    .where("subject", "=", `mailbox-login-fail:addr:${address}`)
    .execute();
  return rows.reduce((sum, r) => sum + r.count, 0);
}

describe("POP3 with poplib as the client", () => {
  it("STAT, LIST, UIDL, RETR and TOP serve the stored messages byte for byte, oldest first", async () => {
    const inbox = await newInbox(server);
    const first = await deliver(inbox, message("first", "line one\r\nline two\r\nline three\r\n"));
    const second = await deliver(inbox, message("second", "only line\r\n"));
    const [raw1, raw2] = [await stored(inbox, first), await stored(inbox, second)];

    const out = await poplib({
      port: pop3Port(),
      user: inbox.address,
      password: PASSWORD,
      steps: [
        ["stat"],
        ["list"],
        ["uidl"],
        ["list", 2],
        ["uidl", 1],
        ["retr", 1],
        ["retr", 2],
        ["top", 1, 0],
        ["top", 1, 2],
        ["quit"],
      ],
    });
    expect(out.welcome).toBe("+OK Mailroom POP3 server ready");
    expect(out.login).toBe(`+OK ${inbox.address} has 2 messages (${raw1.length + raw2.length} octets)`);
    const [stat, list, uidl, list2, uidl1, retr1, retr2, top0, top2, quit] = out.results;
    expect(stat).toEqual({ count: 2, size: raw1.length + raw2.length });
    expect(list.entries).toEqual([`1 ${raw1.length}`, `2 ${raw2.length}`]);
    expect(uidl.entries).toEqual([`1 ${first}`, `2 ${second}`]);
    expect(list2.resp).toBe(`+OK 2 ${raw2.length}`);
    expect(uidl1.resp).toBe(`+OK 1 ${first}`);
    expect(retr1.resp).toBe(`+OK ${raw1.length} octets`);
    expect(Buffer.from(retr1.bytes, "base64").equals(raw1)).toBe(true);
    expect(retr1.octets).toBe(raw1.length);
    expect(Buffer.from(retr2.bytes, "base64").equals(raw2)).toBe(true);
    const header = raw1.subarray(0, raw1.indexOf("\r\n\r\n") + 4);
    expect(Buffer.from(top0.bytes, "base64").equals(header)).toBe(true);
    expect(Buffer.from(top2.bytes, "base64").toString()).toBe(`${header}line one\r\nline two\r\n`);
    expect(quit.resp).toBe("+OK Mailroom POP3 server signing off (2 messages left)");
    // Reading changes nothing.
    expect((await listInbox(server, inbox)).map((m) => m.id).sort()).toEqual([first, second].sort());
  });

  it("lines starting with a dot round-trip (byte-stuffed on the wire, whole again in poplib)", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, message("dots", ".leading dot\r\n..two dots\r\n.\r\nmiddle\r\n. space\r\n"));
    const raw = await stored(inbox, id);
    const out = await poplib({ port: pop3Port(), user: inbox.address, password: PASSWORD, steps: [["retr", 1], ["quit"]] });
    expect(Buffer.from(out.results[0].bytes, "base64").equals(raw)).toBe(true);

    // On the wire every such line carries one more dot.
    const wire = await loggedIn(inbox);
    expect(await wire.command("RETR 1")).toBe(`+OK ${raw.length} octets`);
    const body = (await wire.body()).toString();
    expect(body).toContain("\r\n..leading dot\r\n...two dots\r\n..\r\nmiddle\r\n.. space\r\n");
    wire.close();
  });

  it("a large message streams whole and exact", async () => {
    const inbox = await newInbox(server);
    const line = `${"x".repeat(70)}\r\n`;
    const dotted = `.${"y".repeat(70)}\r\n`;
    const body = Array.from({ length: 40_000 }, (_, i) => (i % 1000 === 0 ? dotted : line)).join("");
    const id = await deliver(inbox, message("large", body));
    const raw = await stored(inbox, id);
    expect(raw.length).toBeGreaterThan(2_800_000);
    const out = await poplib({ port: pop3Port(), user: inbox.address, password: PASSWORD, steps: [["retr", 1], ["quit"]] });
    expect(out.results[0].resp).toBe(`+OK ${raw.length} octets`);
    expect(Buffer.from(out.results[0].bytes, "base64").equals(raw)).toBe(true);
  }, 60_000);

  it("DELE and QUIT delete for good; RSET undoes; a dropped connection deletes nothing", async () => {
    const inbox = await newInbox(server);
    const ids = [
      await deliver(inbox, message("one", "1\r\n")),
      await deliver(inbox, message("two", "2\r\n")),
      await deliver(inbox, message("three", "3\r\n")),
    ];
    const sizes = await Promise.all(ids.map(async (id) => (await stored(inbox, id)).length));

    // Dropped without QUIT: nothing deleted.
    const dropped = await poplib({ port: pop3Port(), user: inbox.address, password: PASSWORD, steps: [["dele", 1], ["drop"]] });
    expect(dropped.results[0].resp).toBe("+OK Message 1 deleted");
    expect((await server.call("GET", `/api/v1/messages/${ids[0]}`, { key: inbox.key })).status).toBe(200);

    // RSET unmarks.
    const reset = await poplib({
      port: pop3Port(),
      user: inbox.address,
      password: PASSWORD,
      steps: [["dele", 1], ["dele", 2], ["stat"], ["list", 1], ["rset"], ["stat"], ["quit"]],
    });
    expect(reset.results[2]).toEqual({ count: 1, size: sizes[2] });
    expect(reset.results[3].error).toBe("-ERR Message 1 is already deleted");
    expect(reset.results[4].resp).toBe(`+OK Maildrop has 3 messages (${sizes[0]! + sizes[1]! + sizes[2]!} octets)`);
    expect(reset.results[5]).toEqual({ count: 3, size: sizes[0]! + sizes[1]! + sizes[2]! });
    expect(reset.results[6].resp).toBe("+OK Mailroom POP3 server signing off (3 messages left)");
    expect((await listInbox(server, inbox)).length).toBe(3);

    // DELE then QUIT: gone, from the API too; the others stay.
    const deleted = await poplib({
      port: pop3Port(),
      user: inbox.address,
      password: PASSWORD,
      steps: [["dele", 2], ["retr", 2], ["list"], ["quit"]],
    });
    expect(deleted.results[1].error).toBe("-ERR Message 2 is already deleted");
    expect(deleted.results[2].entries).toEqual([`1 ${sizes[0]}`, `3 ${sizes[2]}`]);
    expect(deleted.results[3].resp).toBe("+OK Mailroom POP3 server signing off (2 messages left)");
    const gone = await server.call("GET", `/api/v1/messages/${ids[1]}`, { key: inbox.key });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("MESSAGE_NOT_FOUND");
    expect((await listInbox(server, inbox)).map((m) => m.id).sort()).toEqual([ids[0], ids[2]].sort());

    // The next session numbers what is left afresh.
    const after = await poplib({ port: pop3Port(), user: inbox.address, password: PASSWORD, steps: [["uidl"], ["quit"]] });
    expect(after.results[0].entries).toEqual([`1 ${ids[0]}`, `2 ${ids[2]}`]);
  });

  it("the maildrop is a snapshot: mail arriving during a session waits for the next one; a message deleted elsewhere is -ERR", async () => {
    const inbox = await newInbox(server);
    const first = await deliver(inbox, message("before", "b\r\n"));
    const wire = await loggedIn(inbox);
    await deliver(inbox, message("during", "d\r\n"));
    expect(await wire.command("STAT")).toBe(`+OK 1 ${(await stored(inbox, first)).length}`);
    expect(await wire.command("RETR 2")).toBe("-ERR No such message");

    // Deleted through the API meanwhile: RETR says so; DELE + QUIT of it is a no-op.
    expect((await server.call("DELETE", `/api/v1/messages/${first}`, { key: inbox.key })).status).toBe(200);
    expect(await wire.command("RETR 1")).toBe("-ERR Message 1 is no longer in the mailbox");
    expect(await wire.command("DELE 1")).toBe("+OK Message 1 deleted");
    expect(await wire.command("QUIT")).toBe("+OK Mailroom POP3 server signing off (0 messages left)");
    expect((await listInbox(server, inbox)).map((m) => m.subject)).toEqual(["during"]);
  });

  it.skipIf(!OPENSSL)("STLS upgrades the plain port, and POP3S speaks TLS from the first byte", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, message("over tls", "secret\r\n"));
    const raw = await stored(inbox, id);
    const viaStls = await poplib({
      port: pop3Port(),
      tls: "stls",
      user: inbox.address,
      password: PASSWORD,
      steps: [["retr", 1], ["quit"]],
    });
    expect(viaStls.capa).toContain("STLS");
    expect(viaStls.stls).toBe("+OK Begin TLS negotiation");
    expect(Buffer.from(viaStls.results[0].bytes, "base64").equals(raw)).toBe(true);

    expect(server.app.pop3sPort).toEqual(expect.any(Number));
    const viaPop3s = await poplib({
      port: server.app.pop3sPort!,
      tls: "implicit",
      user: inbox.address,
      password: PASSWORD,
      steps: [["uidl"], ["quit"]],
    });
    expect(viaPop3s.capa).not.toContain("STLS");
    expect(viaPop3s.results[0].entries).toEqual([`1 ${id}`]);
  });
});

describe("POP3 protocol details (raw sessions)", () => {
  it("CAPA lists the extensions; after login only what applies", async () => {
    const inbox = await newInbox(server);
    const wire = await Pop3Wire.open(pop3Port());
    expect(await wire.command("CAPA")).toBe("+OK Capability list follows");
    const before = (await wire.body()).toString().trim().split("\r\n");
    expect(before).toEqual(
      expect.arrayContaining([
        "TOP",
        "UIDL",
        "USER",
        "SASL PLAIN",
        "RESP-CODES",
        "AUTH-RESP-CODE",
        "PIPELINING",
        "IMPLEMENTATION Mailroom",
      ]),
    );
    expect(before.includes("STLS")).toBe(Boolean(tlsFiles));
    expect(await wire.command(`USER ${inbox.address}`)).toBe("+OK Send PASS");
    expect(await wire.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK /);
    expect(await wire.command("CAPA")).toBe("+OK Capability list follows");
    const after = (await wire.body()).toString().trim().split("\r\n");
    expect(after).not.toContain("USER");
    expect(after).not.toContain("STLS");
    expect(after).toContain("UIDL");
    wire.close();
  });

  it("AUTH PLAIN with an initial response, and with the + continuation", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, message("plain", "p\r\n"));
    const initial = await Pop3Wire.open(pop3Port());
    expect(await initial.command(`AUTH PLAIN ${plainResponse(inbox.address, PASSWORD)}`)).toMatch(
      new RegExp(`^\\+OK ${inbox.address} has 1 message \\(\\d+ octets\\)$`),
    );
    expect(await initial.command("QUIT")).toMatch(/^\+OK /);

    const continued = await Pop3Wire.open(pop3Port());
    expect(await continued.command("AUTH PLAIN")).toBe("+ ");
    expect(await continued.command(plainResponse(inbox.address, PASSWORD, inbox.address))).toMatch(/^\+OK /);
    expect(await continued.command("STAT")).toMatch(/^\+OK 1 \d+$/);
    continued.close();

    const cancelled = await Pop3Wire.open(pop3Port());
    expect(await cancelled.command("AUTH PLAIN")).toBe("+ ");
    expect(await cancelled.command("*")).toBe("-ERR Authentication cancelled");
    expect(await cancelled.command("AUTH PLAIN not-base64!")).toBe("-ERR Invalid base64 in the authentication response");
    expect(await cancelled.command("AUTH CRAM-MD5")).toBe("-ERR Unsupported authentication mechanism (PLAIN is offered)");
    expect(await cancelled.command(`AUTH PLAIN ${plainResponse(inbox.address, PASSWORD, "other@ig.do")}`)).toBe(
      "-ERR Acting as another identity is not supported",
    );
    expect(await cancelled.command("AUTH")).toBe("+OK Mechanisms follow");
    expect((await cancelled.body()).toString()).toBe("PLAIN\r\n");
    expect(await cancelled.command("STAT")).toBe("-ERR STAT is only valid after login");
    cancelled.close();
  });

  it("a wrong password is -ERR [AUTH] and counted with submission's; after 5 failures even the right one gets -ERR [SYS/TEMP]", async () => {
    const inbox = await newInbox(server);
    // A loopback address of its own, so the per-IP count is this test's alone (test files share the database).
    const source = `127.0.0.${10 + Math.floor(Math.random() * 240)}`;
    const submission = (pass: string) =>
      createTransport({
        host: "127.0.0.1",
        port: server.app.submissionPort,
        localAddress: source,
        secure: false,
        ignoreTLS: true,
        auth: { user: inbox.address, pass },
      });
    await awaitFreshWindow(20);
    const wire = await Pop3Wire.open(pop3Port(), "127.0.0.1", source);
    for (let i = 0; i < 2; i++) {
      expect(await wire.command(`USER ${inbox.address}`)).toBe("+OK Send PASS");
      expect(await wire.command(`PASS wrong-${i}`)).toBe("-ERR [AUTH] Invalid mailbox address or password");
    }
    expect(await wire.command(`AUTH PLAIN ${plainResponse(inbox.address, "wrong-again")}`)).toBe(
      "-ERR [AUTH] Invalid mailbox address or password",
    );
    expect(await failureCount(inbox.address)).toBe(3);
    // One count for every way a mailbox logs in: failures on the submission port add to it.
    for (const pass of ["wrong-3", "wrong-4"]) {
      const transport = submission(pass);
      await expect(transport.verify()).rejects.toMatchObject({ responseCode: 535 });
      transport.close();
    }
    expect(await failureCount(inbox.address)).toBe(5);
    expect(await wire.command(`USER ${inbox.address}`)).toBe("+OK Send PASS");
    expect(await wire.command(`PASS ${PASSWORD}`)).toBe("-ERR [SYS/TEMP] Too many failed logins; try again later");
    expect(await wire.command("STAT")).toBe("-ERR STAT is only valid after login");
    // The refusal checked no password and counted nothing more.
    expect(await failureCount(inbox.address)).toBe(5);
    wire.close();
    const transport = submission(PASSWORD);
    await expect(transport.verify()).rejects.toMatchObject({ responseCode: 454 });
    transport.close();
  });

  it("commands in the wrong state, unknown commands, bad arguments and PASS without USER are -ERR; the session goes on", async () => {
    const inbox = await newInbox(server);
    await deliver(inbox, message("state", "s\r\n"));
    const wire = await Pop3Wire.open(pop3Port());
    expect(await wire.command("RETR 1")).toBe("-ERR RETR is only valid after login");
    expect(await wire.command(`PASS ${PASSWORD}`)).toBe("-ERR Send USER first");
    expect(await wire.command("APOP someone 0123456789abcdef")).toBe("-ERR APOP is not offered; use USER/PASS or AUTH PLAIN");
    expect(await wire.command("XYZZY")).toBe("-ERR Unknown command");
    expect(await wire.command(`USER ${inbox.address}`)).toBe("+OK Send PASS");
    expect(await wire.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK /);
    expect(await wire.command(`USER ${inbox.address}`)).toBe("-ERR USER is not valid after login");
    expect(await wire.command("STLS")).toBe("-ERR STLS is not valid after login");
    expect(await wire.command("RETR")).toBe("-ERR RETR takes one message number");
    expect(await wire.command("RETR 0")).toBe("-ERR No such message");
    expect(await wire.command("RETR x")).toBe("-ERR No such message");
    expect(await wire.command("TOP 1 -1")).toBe("-ERR The number of lines must be a non-negative number");
    expect(await wire.command("DELE 2")).toBe("-ERR No such message");
    expect(await wire.command("noop")).toBe("+OK");
    expect(await wire.command("STAT")).toMatch(/^\+OK 1 \d+$/);
    expect(await wire.command("QUIT")).toBe("+OK Mailroom POP3 server signing off (1 message left)");
    expect(await wire.closed()).toBe(true);
    expect((await listInbox(server, inbox)).length).toBe(1);
  });

  it("an overlong line is -ERR and skipped; the next command is answered; repeated abuse closes the session", async () => {
    const wire = await Pop3Wire.open(pop3Port());
    expect(await wire.command(`USER ${"a".repeat(600)}`)).toBe("-ERR Line too long (at most 512 octets)");
    expect(await wire.command("NOOP")).toBe("-ERR NOOP is only valid after login");
    expect(await wire.command(`USER ${"b".repeat(300)}`)).toBe("-ERR Argument too long (at most 255 octets)");
    for (let i = 0; i < 8; i++) expect(await wire.command("BOGUS")).toBe("-ERR Unknown command");
    expect(await wire.command("x".repeat(5000))).toBe("-ERR Line too long (at most 512 octets); too many bad commands, closing");
    expect(await wire.closed()).toBe(true);
  });

  it("pipelined commands are answered in order", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, message("pipelined", "x\r\n"));
    const wire = await Pop3Wire.open(pop3Port());
    wire.write(`USER ${inbox.address}\r\nPASS ${PASSWORD}\r\nUIDL 1\r\nSTAT\r\nQUIT\r\n`);
    expect(await wire.line()).toBe("+OK Send PASS");
    expect(await wire.line()).toMatch(/^\+OK /);
    expect(await wire.line()).toBe(`+OK 1 ${id}`);
    expect(await wire.line()).toMatch(/^\+OK 1 \d+$/);
    expect(await wire.line()).toMatch(/^\+OK Mailroom POP3 server signing off/);
  });

  it("an unknown mailbox and a mailbox without mail", async () => {
    const inbox = await newInbox(server);
    const unknown = await poplib({ port: pop3Port(), user: "nobody-here@ig.do", password: PASSWORD });
    expect(unknown.login).toBe("-ERR [AUTH] Invalid mailbox address or password");
    const empty = await poplib({
      port: pop3Port(),
      user: inbox.address,
      password: PASSWORD,
      steps: [["stat"], ["list"], ["quit"]],
    });
    expect(empty.login).toBe(`+OK ${inbox.address} has 0 messages (0 octets)`);
    expect(empty.results[0]).toEqual({ count: 0, size: 0 });
    expect(empty.results[1].entries).toEqual([]);
  });
});

describe("POP3 limits", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startReceivingServer({
      MAILROOM_DNS_SERVERS: dns.address,
      MAILROOM_POP3_IDLE_TIMEOUT_S: "1",
      MAILROOM_POP3_MAX_SESSIONS_PER_IP: "2",
    });
  }, 60_000);
  afterAll(() => limited?.stop());

  it("a session idle past MAILROOM_POP3_IDLE_TIMEOUT_S is closed without UPDATE: its DELE deletes nothing", async () => {
    const inbox = await newInbox(limited);
    const id = await deliver(inbox, message("idle", "i\r\n"), limited);
    const wire = await loggedIn(inbox, limited.app.pop3Port!);
    expect(await wire.command("DELE 1")).toBe("+OK Message 1 deleted");
    expect(await wire.line(10_000)).toBe("-ERR Autologout: idle for too long");
    expect(await wire.closed()).toBe(true);
    expect((await limited.call("GET", `/api/v1/messages/${id}`, { key: inbox.key })).status).toBe(200);
  });

  it("sessions per client: beyond MAILROOM_POP3_MAX_SESSIONS_PER_IP the greeting is -ERR [SYS/TEMP] and the connection closes", async () => {
    const port = limited.app.pop3Port!;
    const a = await Pop3Wire.open(port);
    const b = await Pop3Wire.open(port);
    expect(a.greeting).toBe("+OK Mailroom POP3 server ready");
    expect(b.greeting).toBe("+OK Mailroom POP3 server ready");
    const c = await Pop3Wire.open(port);
    expect(c.greeting).toBe("-ERR [SYS/TEMP] Too many sessions from your address");
    expect(await c.closed()).toBe(true);
    expect(await a.command("QUIT")).toMatch(/^\+OK /);
    await a.closed();
    await expect.poll(() => limited.app.pop3Stats().sessions).toBe(1);
    const d = await Pop3Wire.open(port);
    expect(d.greeting).toBe("+OK Mailroom POP3 server ready");
    b.close();
    d.close();
    await Promise.all([b.closed(), d.closed()]);
  });

  it("STLS is not offered without a certificate", async () => {
    await expect.poll(() => limited.app.pop3Stats().sessions).toBe(0);
    const wire = await Pop3Wire.open(limited.app.pop3Port!);
    expect(await wire.command("STLS")).toBe("-ERR STLS is not offered by this server");
    expect(limited.app.pop3sPort).toBeNull();
    wire.close();
  });
});

/** An address of this machine that is not loopback: a client there is "remote" to the server. */
const EXTERNAL_IPV4 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

describe.skipIf(!EXTERNAL_IPV4)("POP3 login in clear text from a non-loopback client", () => {
  let external: TestServer;
  beforeAll(async () => {
    external = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address, SMTP_HOST: EXTERNAL_IPV4! });
  }, 60_000);
  afterAll(() => external?.stop());

  it("is refused with -ERR [AUTH] and USER/SASL are not advertised (the submission port's rule)", async () => {
    const inbox = await newInbox(external);
    const wire = await Pop3Wire.open(external.app.pop3Port!, EXTERNAL_IPV4);
    expect(await wire.command("CAPA")).toMatch(/^\+OK/);
    const caps = (await wire.body()).toString().split("\r\n");
    expect(caps).not.toContain("USER");
    expect(caps).not.toContain("SASL PLAIN");
    const refusal = "-ERR [AUTH] Plain-text login is not allowed on an unencrypted connection; use STLS first";
    expect(await wire.command(`USER ${inbox.address}`)).toBe(refusal);
    expect(await wire.command(`PASS ${PASSWORD}`)).toBe(refusal);
    expect(await wire.command(`AUTH PLAIN ${plainResponse(inbox.address, PASSWORD)}`)).toBe(refusal);
    expect(await failureCount(inbox.address)).toBe(0);
    wire.close();
  });
});
