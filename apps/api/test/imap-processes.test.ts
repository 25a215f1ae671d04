import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imapClient } from "./support/imap-helpers.js";
import {
  composeMessage,
  MX_DOMAINS,
  MX_HOSTNAME,
  mxTransport,
  newInbox,
  startReceivingServer,
  type TestInbox,
} from "./support/receiving.js";
import { startServerProcess } from "./support/server-process.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { ADMIN_KEY, type TestServer } from "./support/test-server.js";

/*
 * An IMAP session in one process hears of mail another process stored on the same PostgreSQL
 * (PGlite is one process's database: nothing to test there).
 */
describe.skipIf(!testDatabaseUrl())("IMAP across processes on one PostgreSQL", () => {
  let server: TestServer;
  let inbox: TestInbox;
  beforeAll(async () => {
    server = await startReceivingServer({}, { backgroundJobs: false });
    inbox = await newInbox(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("IDLE reports mail that another process's MX stored", async () => {
    const other = await startServerProcess({
      DATABASE_URL: testDatabaseUrl(),
      MAILROOM_ADMIN_KEY: ADMIN_KEY,
      MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-imap-")),
      MAILROOM_SYSTEM_DOMAINS: MX_DOMAINS,
      MAILROOM_HOSTNAME: MX_HOSTNAME,
      MAILROOM_GREET_PAUSE_MS: "0",
      MAILROOM_DELIVERY_CONCURRENCY: "0",
    });
    const idler = await imapClient(server, inbox);
    try {
      const opened = await idler.mailboxOpen("INBOX");
      expect(opened.exists).toBe(0);
      const exists = new Promise<number>((resolve) => idler.on("exists", (data: { count: number }) => resolve(data.count)));
      void idler.idle();
      const raw = await composeMessage({
        from: "dora@sender.test",
        to: inbox.address,
        subject: "Via the other process",
        text: "hi",
      });
      await mxTransport(other.smtpPort).sendMail({ envelope: { from: "dora@sender.test", to: [inbox.address] }, raw });
      const count = await Promise.race([
        exists,
        new Promise<number>((_, reject) =>
          setTimeout(() => reject(new Error("no EXISTS from the other process's mail")), 20_000),
        ),
      ]);
      expect(count).toBe(1);
    } finally {
      await idler.logout().catch(() => undefined);
      await other.stop();
    }
  }, 120_000);
});
