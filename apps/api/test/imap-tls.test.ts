import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD } from "./support/imap-helpers.js";
import { newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));
/** An address of this machine that is not loopback: connections from it count as remote. */
const REMOTE_IP = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

let server: TestServer;
let inbox: TestInbox;

beforeAll(async () => {
  if (!OPENSSL || !REMOTE_IP) return;
  const dir = mkdtempSync(join(tmpdir(), "mailroom-imap-tls-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    OPENSSL,
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
      "/CN=imap.mailroom.test",
    ],
    {
      stdio: "ignore",
    },
  );
  server = await startReceivingServer(
    { SMTP_TLS_CERT: cert, SMTP_TLS_KEY: key, IMAP_HOST: "0.0.0.0" },
    { backgroundJobs: false },
  );
  inbox = await newInbox(server);
});
afterAll(async () => {
  await server?.stop();
});

/** Lines from a socket (plain or TLS) until one matches. */
function reader(socket: Socket) {
  let buffer = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
  });
  return {
    async until(pattern: RegExp): Promise<string> {
      for (let i = 0; i < 100; i++) {
        const match = pattern.exec(buffer);
        if (match) {
          const out = buffer.slice(0, match.index + match[0].length);
          buffer = buffer.slice(match.index + match[0].length);
          return out;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`timed out waiting for ${pattern}; got ${buffer}`);
    },
    get pending() {
      return buffer;
    },
  };
}

describe.skipIf(!OPENSSL || !REMOTE_IP)("IMAP over TLS, and passwords in clear text", () => {
  it("from a remote address: LOGINDISABLED and no LOGIN until STARTTLS; commands sent with STARTTLS are dropped", async () => {
    const socket = connect(server.app.imap.port, REMOTE_IP!);
    const plain = reader(socket);
    const greeting = await plain.until(/\r\n/);
    expect(greeting).toMatch(/STARTTLS/);
    expect(greeting).toMatch(/LOGINDISABLED/);
    expect(greeting).not.toMatch(/AUTH=PLAIN/);
    socket.write(`a1 LOGIN ${inbox.address} ${PASSWORD}\r\n`);
    expect(await plain.until(/^a1 .*\r\n/m)).toMatch(/^a1 NO \[PRIVACYREQUIRED\]/m);
    const auth = Buffer.from(`\0${inbox.address}\0${PASSWORD}`).toString("base64");
    socket.write(`a2 AUTHENTICATE PLAIN ${auth}\r\n`);
    expect(await plain.until(/^a2 .*\r\n/m)).toMatch(/^a2 NO \[PRIVACYREQUIRED\]/m);
    // A command pipelined behind STARTTLS in clear text must never run.
    socket.write("a3 STARTTLS\r\na4 NOOP\r\n");
    expect(await plain.until(/^a3 .*\r\n/m)).toMatch(/^a3 OK/m);
    socket.removeAllListeners("data");
    const secure = tlsConnect({ socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once("secureConnect", resolve).once("error", reject));
    const tls = reader(secure as unknown as Socket);
    secure.write("a5 CAPABILITY\r\n");
    const caps = await tls.until(/^a5 .*\r\n/m);
    expect(caps).not.toMatch(/a4/);
    expect(caps).toMatch(/AUTH=PLAIN/);
    expect(caps).not.toMatch(/STARTTLS|LOGINDISABLED/);
    secure.write(`a6 LOGIN ${inbox.address} ${PASSWORD}\r\n`);
    expect(await tls.until(/^a6 .*\r\n/m)).toMatch(/^a6 OK/m);
    secure.destroy();
  });

  it("the implicit-TLS port logs in with imapflow", async () => {
    expect(server.app.imap.tlsPort).toBeGreaterThan(0);
    const client = new ImapFlow({
      host: REMOTE_IP!,
      port: server.app.imap.tlsPort!,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: inbox.address, pass: PASSWORD },
      logger: false,
    });
    client.on("error", () => undefined);
    await client.connect();
    const box = await client.mailboxOpen("INBOX");
    expect(box.exists).toBe(0);
    await client.logout();
  });
});
