// Raw baseline: plain smtp-server + pg, storing one row per message (the raw bytes and the envelope),
// one transaction per message, answering 250 only after the commit. smtp-server's own defaults,
// including its fixed 100 ms pause before the greeting; no reverse DNS (as our MX).
// Env: PORT, DATABASE_URL.
import pg from "pg";
import { SMTPServer } from "smtp-server";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(
  `create table if not exists baseline_messages (
     id bigserial primary key, mail_from text, rcpt_to text not null, raw bytea not null,
     received_at timestamptz not null default now())`,
);

const server = new SMTPServer({
  authOptional: true,
  disableReverseLookup: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  size: 25 * 1024 * 1024,
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks);
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
      const to = session.envelope.rcptTo.map((r) => r.address).join(",");
      pool.query("insert into baseline_messages (mail_from, rcpt_to, raw) values ($1, $2, $3)", [from, to, raw]).then(
        () => callback(),
        (err: Error) => callback(Object.assign(new Error(`451 4.3.0 ${err.message}`), { responseCode: 451 })),
      );
    });
  },
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
