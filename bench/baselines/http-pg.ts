// Raw baseline: plain node:http + pg, answering the inbox query and doing the send insert that our
// API does, with nothing else (no auth, no rate limit, no validation, no framework).
// Env: PORT, DATABASE_URL, TENANT_ID, MAILBOX_ID (the mailbox the send insert delivers to and
// sends from: the bench sends from that mailbox to itself).
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const tenantId = process.env.TENANT_ID ?? "";
const mailboxId = process.env.MAILBOX_ID ?? "";
/** The mailbox's INBOX, named from the mailbox's id as our store names it (`acc_X` → `fld_X`). */
const inboxFolderId = `fld_${mailboxId.slice(mailboxId.indexOf("_") + 1)}`;
let seq = 0;
const newId = (prefix: string) =>
  `${prefix}_1${Date.now().toString(32).padStart(10, "0")}${(seq++).toString(32).padStart(7, "0")}${randomBytes(4).toString("hex")}`.slice(
    0,
    prefix.length + 27,
  );

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
  const { rows } = await pool.query<Row>("select * from messages where mailbox_id = $1 order by id desc limit $2", [
    accountId,
    limit + 1,
  ]);
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

/**
 * A hosted recipient, written as our send path writes it (sending/outbound-enqueue.ts with
 * delivery/hosted-inbox.ts → messages/message-store.ts), in one transaction: the outbound message
 * (its bytes), its one delivery row (already `sent`), the inbox copy's content row and message row
 * (with its INBOX UID), and the new-mail notification. What it leaves out is work: no auth, no
 * sender or recipient look-ups, no MIME composing, no DKIM signature, no parsing of the message
 * back; and one copy: the sender's own, which our send now also files in its Sent folder.
 */
async function sendInsert(
  res: ServerResponse,
  body: { from?: string; to?: string; subject?: string; text?: string },
): Promise<void> {
  const from = body.from ?? "";
  const to = body.to ?? "";
  const subject = body.subject ?? "";
  const text = body.text ?? "";
  const outboundId = newId("msg");
  const messageIdHeader = `<${outboundId}@bench.test>`;
  const date = new Date();
  const headerList: [string, string][] = [
    ["From", from],
    ["To", to],
    ["Subject", subject],
    ["Date", date.toUTCString()],
    ["Message-ID", messageIdHeader],
    ["MIME-Version", "1.0"],
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Transfer-Encoding", "7bit"],
  ];
  const raw = Buffer.from(`${headerList.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${text}\r\n`);
  // The inbox copy: our Authentication-Results and Received headers, then the bytes as sent.
  const contentId = newId("msg");
  const stored = Buffer.concat([
    Buffer.from(
      `Authentication-Results: mx.bench.test; auth=pass (authenticated local sender);\r\n\tspf=pass (local delivery) smtp.mailfrom=${from}\r\nReceived: from mx.bench.test (127.0.0.1) by mx.bench.test with LOCAL id ${contentId} for <${to}>; ${date.toUTCString()}\r\n`,
    ),
    raw,
  ]);
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into outbound_messages (id, tenant_id, from_address, sender_mailbox_id, to_addresses, cc_addresses, subject, message_id_header, raw, size, tags, source)
       values ($1, $2, $3, $4, $5, '[]', $6, $7, $8, $9, '[]', 'api')`,
      [outboundId, tenantId, from, mailboxId, JSON.stringify([to]), subject, messageIdHeader, raw, raw.length],
    );
    await client.query(
      `insert into deliveries (id, message_id, tenant_id, recipient, mailbox_id, status, attempts, next_attempt_at, last_response, deliver_by)
       values ($1, $2, $3, $4, $5, 'sent', 1, null, '250 2.0.0 Stored in the mailbox', now() + interval '48 hours')`,
      [newId("dlv"), outboundId, tenantId, to, mailboxId],
    );
    await client.query(
      `insert into message_contents (id, raw, size, envelope_from, headers, cc, reply_to, message_id, in_reply_to, text_body, html_body, attachments, auth_results)
       values ($1, $2, $3, $4, $5, '[]', '[]', $6, null, $7, null, '[]', $8)`,
      [
        contentId,
        stored,
        stored.length,
        from,
        JSON.stringify(headerList.map(([key, value]) => ({ name: key.toLowerCase(), value }))),
        messageIdHeader,
        text,
        JSON.stringify({ spf: { result: "pass" }, dkim: [], dmarc: { result: "none" }, arc: { result: "none" } }),
      ],
    );
    // The copy's INBOX UID, reserved as our store does (the folder row stays locked to the commit).
    const { rows } = await client.query<{ uid: string; modseq: string }>(
      `update folders set uid_next = uid_next + 1, highest_modseq = highest_modseq + 1 where id = $1
       returning uid_next - 1 as uid, highest_modseq as modseq`,
      [inboxFolderId],
    );
    await client.query(
      `insert into messages (id, tenant_id, mailbox_id, content_id, rcpt_to, from_address, from_name, to_addresses, subject, sent_at, preview, size, has_attachments, folder_id, uid, modseq)
       values ($1, $2, $3, $1, $4, $5, null, $6, $7, $8, $9, $10, false, $11, $12, $13)`,
      [
        contentId,
        tenantId,
        mailboxId,
        to,
        from,
        JSON.stringify([{ address: to, name: null }]),
        subject,
        date,
        text.slice(0, 200),
        stored.length,
        inboxFolderId,
        rows[0]?.uid,
        rows[0]?.modseq,
      ],
    );
    await client.query("select pg_notify('mailroom_new_mail', $1)", [`${mailboxId}:${contentId}`]);
    await client.query("commit");
    send(res, 200, { message_id: outboundId, status: "sent" });
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
