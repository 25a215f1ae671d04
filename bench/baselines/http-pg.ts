// Raw baseline: plain node:http + pg, answering the inbox query and doing the send insert that our
// API does, with nothing else (no auth, no rate limit, no validation, no framework).
// Env: PORT, DATABASE_URL, TENANT_ID, MAILBOX_ID (the mailbox the send insert delivers to).
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const tenantId = process.env.TENANT_ID ?? "";
const mailboxId = process.env.MAILBOX_ID ?? "";
let seq = 0;
const newId = (prefix: string) => `${prefix}_1${Date.now().toString(32).padStart(10, "0")}${(seq++).toString(32).padStart(7, "0")}${randomBytes(4).toString("hex")}`.slice(0, prefix.length + 27);

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

interface Row {
  id: string;
  from_address: string;
  from_name: string | null;
  subject: string;
  sent_at: Date | null;
  received_at: Date;
  to_addresses: unknown;
  seen: boolean;
  size: number;
  has_attachments: boolean;
  preview: string;
}

async function inbox(res: ServerResponse, accountId: string, limit: number): Promise<void> {
  // The same two statements as our API: the mailbox is the tenant's, then the newest `limit + 1`.
  const owner = await pool.query("select id from mailboxes where id = $1 and tenant_id = $2", [accountId, tenantId]);
  if (owner.rowCount === 0) return send(res, 404, { error: "not found" });
  const { rows } = await pool.query<Row>("select * from messages where mailbox_id = $1 order by id desc limit $2", [accountId, limit + 1]);
  const page = rows.slice(0, limit);
  send(res, 200, {
    messages: page.map((r) => ({
      id: r.id,
      from: r.from_address,
      from_name: r.from_name,
      subject: r.subject,
      date: (r.sent_at ?? r.received_at).toISOString(),
      received_at: r.received_at.toISOString(),
      to: r.to_addresses,
      seen: r.seen,
      size: r.size,
      has_attachments: r.has_attachments,
      preview: r.preview,
    })),
    next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
  });
}

/** A hosted recipient: one content row and one mailbox copy in one transaction. */
async function sendInsert(res: ServerResponse, body: { to?: string; subject?: string; text?: string }): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const contentId = newId("cnt");
    const id = newId("msg");
    const raw = Buffer.from(`Subject: ${body.subject ?? ""}\r\n\r\n${body.text ?? ""}`);
    await client.query(
      `insert into message_contents (id, raw, size, envelope_from, headers, cc, reply_to, message_id, text_body, attachments, auth_results)
       values ($1, $2, $3, $4, '[]', '[]', '[]', $5, $6, '[]', '{}')`,
      [contentId, raw, raw.length, "load@sender.bench.test", `<${id}@bench.test>`, body.text ?? ""],
    );
    await client.query(
      `insert into messages (id, tenant_id, mailbox_id, content_id, rcpt_to, from_address, to_addresses, subject, preview, size, has_attachments)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, false)`,
      [id, tenantId, mailboxId, contentId, body.to ?? "", "load@sender.bench.test", JSON.stringify([{ address: body.to, name: null }]), body.subject ?? "", (body.text ?? "").slice(0, 120), raw.length],
    );
    await client.query("commit");
    send(res, 202, { id });
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const fail = (err: unknown) => send(res, 500, { error: err instanceof Error ? err.message : String(err) });
  const inboxMatch = /^\/api\/v1\/inbox\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && inboxMatch) {
    inbox(res, decodeURIComponent(inboxMatch[1]!), Number(url.searchParams.get("limit") ?? 50)).catch(fail);
  } else if (req.method === "POST" && url.pathname === "/api/v1/send") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => sendInsert(res, JSON.parse(Buffer.concat(chunks).toString() || "{}")).catch(fail));
  } else if (url.pathname === "/healthz") {
    send(res, 200, { ok: true });
  } else {
    send(res, 404, { error: "not found" });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
