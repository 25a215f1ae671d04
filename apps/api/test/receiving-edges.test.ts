import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, openDatabase } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { download, listInbox, mxTransport, newInbox, startReceivingServer } from "./support/receiving.js";
import { SmtpSession } from "./support/smtp-session.js";
import { getTestDatabase, testDatabaseUrl } from "./support/test-database.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
});
afterAll(() => dns.stop());

/** Stored copies for a mailbox, straight from the database (for servers already stopped). */
async function storedCount(mailboxId: string): Promise<number> {
  const { db } = await getTestDatabase();
  const row = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("mailbox_id", "=", mailboxId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("when the database fails mid-session", () => {
  it("answers DATA with 451 4.3.0 (retry later), never 250", async () => {
    // Its own database handle, so closing it breaks only this server.
    const url = testDatabaseUrl();
    const database = url ? await openDatabase({ databaseUrl: url, poolSize: 2 }) : await openDatabase({});
    if (!url) await migrateToLatest(database.db);
    const server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address }, { database });
    try {
      const inbox = await newInbox(server);
      const session = await SmtpSession.open(server.app.smtpPort);
      try {
        await session.command("EHLO sender.test");
        expect(await session.command("MAIL FROM:<a@sender.test>")).toMatch(/^250/);
        expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^250/);
        await database.close();
        const reply = await session.data("Subject: lost?\r\n\r\nmust not be acknowledged\r\n");
        expect(reply).toMatch(/^451 4\.3\.0 /);
        // A new recipient cannot be checked either: a temporary failure, not a 550.
        expect(await session.command("MAIL FROM:<a@sender.test>")).toMatch(/^250/);
        expect(await session.command(`RCPT TO:<${inbox.address}>`)).toMatch(/^451 4\.3\.0 /);
      } finally {
        session.close();
      }
      if (url) expect(await storedCount(inbox.accountId)).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe("the pause before the greeting (MAILROOM_GREET_PAUSE_MS)", () => {
  it("refuses a client that talks before the banner, and greets a patient one after the pause", async () => {
    const server = await startReceivingServer({ MAILROOM_GREET_PAUSE_MS: "400", MAILROOM_DNS_SERVERS: dns.address });
    try {
      const early = connect(server.app.smtpPort, "127.0.0.1");
      early.setEncoding("utf8");
      let said = "";
      early.on("data", (d: string) => (said += d));
      early.on("connect", () => early.write("EHLO hasty.test\r\n"));
      await new Promise((resolve) => early.on("close", resolve));
      expect(said).toMatch(/^421 .*You talk too soon/m);

      const started = performance.now();
      const patient = await SmtpSession.open(server.app.smtpPort);
      expect(performance.now() - started).toBeGreaterThanOrEqual(380);
      expect(patient.greeting).toMatch(/^220 /);
      patient.close();
    } finally {
      await server.stop();
    }
  });

  it("takes 0 (no pause): greets, and serves a client that talks right after the banner", async () => {
    const server = await startReceivingServer({ MAILROOM_GREET_PAUSE_MS: "0", MAILROOM_DNS_SERVERS: dns.address });
    try {
      // How fast is not asserted (a loaded machine may take any time); that the pause is the
      // setting is, by the lower bound of the test above.
      const session = await SmtpSession.open(server.app.smtpPort);
      expect(session.greeting).toMatch(/^220 /);
      expect(await session.command("EHLO prompt.test")).toMatch(/^250[ -]/);
      session.close();
    } finally {
      await server.stop();
    }
  });
});

describe("graceful shutdown", () => {
  it("stops accepting, sends idle sessions 421, and lets a session in DATA finish and be stored", async () => {
    const server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
    const inbox = await newInbox(server);
    const port = server.app.smtpPort;
    const idle = await SmtpSession.open(port);
    await idle.command("EHLO idle.test");
    const busy = await SmtpSession.open(port);
    await busy.command("EHLO busy.test");
    await busy.command("MAIL FROM:<a@sender.test>");
    await busy.command(`RCPT TO:<${inbox.address}>`);
    expect(await busy.command("DATA")).toMatch(/^354/);
    busy.write("Subject: in flight\r\n\r\nfirst half\r\n");

    const stopped = server.stop();
    expect(await idle.reply()).toMatch(/^421 /);
    // Nobody new gets in.
    await expect(SmtpSession.open(port)).rejects.toThrow();

    busy.sendBody("second half\r\n");
    expect(await busy.reply()).toMatch(/^250 /);
    expect(await busy.reply()).toMatch(/^421 /);
    await stopped;
    expect(await storedCount(inbox.accountId)).toBe(1);
  }, 60_000);
});

describe("authentication checks", () => {
  it("shows dkim=pass, spf=pass and dmarc=pass for a message DKIM-signed by nodemailer (key on the loopback DNS)", async () => {
    const server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
    try {
      const inbox = await newInbox(server);
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const der = publicKey.export({ type: "spki", format: "der" }).toString("base64");
      dns.set("mail2026._domainkey.signer.test", "TXT", [{ type: "TXT", value: `v=DKIM1; k=rsa; p=${der}` }]);
      dns.set("signer.test", "TXT", [{ type: "TXT", value: "v=spf1 ip4:127.0.0.1 -all" }]);
      dns.set("_dmarc.signer.test", "TXT", [{ type: "TXT", value: "v=DMARC1; p=reject" }]);

      const transport = mxTransport(server.app.smtpPort, {
        dkim: {
          domainName: "signer.test",
          keySelector: "mail2026",
          privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        },
      });
      await transport.sendMail({ from: "hello@signer.test", to: inbox.address, subject: "signed", text: "signed body" });
      // And one that claims the domain without its key: no signature, SPF fails from this IP's view.
      dns.set("forged.test", "TXT", [{ type: "TXT", value: "v=spf1 ip4:192.0.2.1 -all" }]);
      await mxTransport(server.app.smtpPort).sendMail({
        from: "ceo@forged.test",
        to: inbox.address,
        subject: "forged",
        text: "x",
      });

      const [forged, signed] = await listInbox(server, inbox);
      const good = (await server.call("GET", `/api/v1/messages/${signed!.id}`, { key: inbox.key })).body;
      expect(good.auth_results.dkim).toEqual([{ result: "pass", domain: "signer.test", selector: "mail2026", aligned: true }]);
      expect(good.auth_results.spf).toEqual({ result: "pass", domain: "signer.test" });
      expect(good.auth_results.dmarc).toMatchObject({ result: "pass", policy: "reject", domain: "signer.test" });
      expect(good.auth_results.header).toMatch(/dkim=pass/);
      const raw = (await download(server, `/api/v1/messages/${signed!.id}/raw`, inbox.key)).bytes.toString();
      expect(raw).toMatch(/^Received-SPF: pass/);
      expect(raw).toMatch(/\r\nAuthentication-Results: mx\.mailroom\.test;\r\n dkim=pass header\.i=@signer\.test/);

      const bad = (await server.call("GET", `/api/v1/messages/${forged!.id}`, { key: inbox.key })).body;
      expect(bad.auth_results.spf.result).toBe("fail");
      expect(bad.auth_results.dkim).toEqual([{ result: "none", domain: null, selector: null, aligned: false }]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe.skipIf(!OPENSSL)("STARTTLS with a configured certificate", () => {
  it("is offered and used; the Received header says ESMTPS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mailroom-tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      OPENSSL!,
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=mx.mailroom.test",
      ],
      { stdio: "ignore" },
    );
    const server = await startReceivingServer({ SMTP_TLS_CERT: cert, SMTP_TLS_KEY: key, MAILROOM_DNS_SERVERS: dns.address });
    try {
      const inbox = await newInbox(server);
      const session = await SmtpSession.open(server.app.smtpPort);
      expect(await session.command("EHLO sender.test")).toMatch(/STARTTLS/);
      session.close();
      await mxTransport(server.app.smtpPort, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false } }).sendMail(
        {
          from: "tls@sender.test",
          to: inbox.address,
          subject: "over tls",
          text: "secret",
        },
      );
      const [item] = await listInbox(server, inbox);
      const raw = (await download(server, `/api/v1/messages/${item!.id}/raw`, inbox.key)).bytes.toString();
      expect(raw).toMatch(/\(Mailroom\) with ESMTPS id /);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
