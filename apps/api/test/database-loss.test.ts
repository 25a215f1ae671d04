import { randomBytes } from "node:crypto";
import { openDatabase } from "@mailroom/core";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { composeMessage, mxTransport, newInbox, startReceivingServer } from "./support/receiving.js";
import { testDatabaseUrl } from "./support/test-database.js";

// Terminating backends needs a real PostgreSQL server; PGlite has no connections to lose.
describe.skipIf(!testDatabaseUrl())("losing every database connection under load", () => {
  it("keeps the server up: sessions in flight get 4xx, every 250 is stored, new mail is taken at once", async () => {
    const applicationName = `mailroom-loss-${randomBytes(4).toString("hex")}`;
    const database = await openDatabase({ databaseUrl: testDatabaseUrl(), poolSize: 6, applicationName });
    const server = await startReceivingServer({}, { database, backgroundJobs: false });
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    try {
      const inbox = await newInbox(server);
      const transport = mxTransport(server.app.smtpPort, { pool: true, maxConnections: 10 });
      const acked: string[] = [];
      let refused = 0;
      let terminated = 0;
      const sends = Array.from({ length: 120 }, async (_, i) => {
        const messageId = `<loss-${i}-${applicationName}@sender.test>`;
        const raw = await composeMessage({
          from: "a@sender.test",
          to: inbox.address,
          subject: `loss ${i}`,
          text: "x",
          messageId,
        });
        try {
          await transport.sendMail({ envelope: { from: "a@sender.test", to: [inbox.address] }, raw });
          acked.push(messageId);
        } catch (err) {
          expect((err as { responseCode?: number }).responseCode ?? 451).toBeLessThan(500);
          refused++;
        }
        if (i === 30) {
          // Like a database restart, for this server's connections only (other tests share the database).
          const res = await admin.query(
            "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1",
            [applicationName],
          );
          terminated = res.rows[0].n;
        }
      });
      await Promise.all(sends);
      transport.close();
      expect(terminated).toBeGreaterThan(0);
      expect(acked.length + refused).toBe(120);

      // Still up, and taking mail again straight away.
      expect((await server.call("GET", "/healthz")).status).toBe(200);
      const fresh = mxTransport(server.app.smtpPort);
      await fresh.sendMail({ from: "a@sender.test", to: inbox.address, subject: "after", text: "y" });

      const stored = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=100`, { key: inbox.key });
      const all: { message_id?: string; subject: string }[] = [];
      let page = stored.body;
      all.push(...page.messages);
      while (page.next_cursor) {
        page = (
          await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=100&cursor=${page.next_cursor}`, { key: inbox.key })
        ).body;
        all.push(...page.messages);
      }
      const subjects = new Set(all.map((m) => m.subject));
      for (const id of acked) expect(subjects.has(`loss ${/loss-(\d+)-/.exec(id)![1]}`), id).toBe(true);
      expect(subjects.has("after")).toBe(true);
    } finally {
      await admin.end();
      await server.stop();
      await database.close();
    }
  }, 60_000);
});
