import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDkim } from "./support/dkim-check.js";
import { TestDnsServer } from "./support/dns-server.js";
import { eventually, FakeSmtp } from "./support/fake-smtp.js";
import { createAccount } from "./support/mailbox-helpers.js";
import { uniqueLocal } from "./support/test-domains.js";
import { deliveryOf, remoteDomain, sendingTenant, type SendingTenant } from "./support/sending-helpers.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let dns: TestDnsServer;
let mx: FakeSmtp;
let server: TestServer;
const deliveryTenants = new Set<string>();
let t: SendingTenant;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  mx = await FakeSmtp.start();
  server = await startTestServer(
    {
      MAILROOM_DNS_SERVERS: dns.address,
      MAILROOM_MX_PORT: String(mx.port),
      MAILROOM_HOSTNAME: "mta.mailroom.test",
      MAILROOM_RETRY_SCHEDULE: "1",
    },
    { backgroundJobs: false, deliveryTenants },
  );
  t = await sendingTenant(server, dns, deliveryTenants);
});
afterAll(async () => {
  await server?.stop();
  await mx?.stop();
  await dns?.stop();
});

function send(body: Record<string, unknown>, options: { key?: string; headers?: Record<string, string> } = {}) {
  return server.call("POST", "/api/v1/send", { key: options.key ?? t.key, body, headers: options.headers });
}

/** How many messages the tenant has sent (to show a refused request changed nothing). */
async function sentCount(tenantId = t.id): Promise<number> {
  const row = await server.app.core.deps.db
    .selectFrom("outbound_messages")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function settled(messageId: string, recipient?: string) {
  return eventually(async () => {
    const d = await deliveryOf(server, t.key, messageId, recipient);
    return ["sent", "bounced", "failed"].includes(d.status) ? d : undefined;
  });
}

describe("POST /send to a remote domain, straight to its MX", () => {
  it("queues, delivers over SMTP to the MX found through DNS, and reports each recipient", async () => {
    const remote = remoteDomain(dns);
    mx.reply = () => ({ code: 250 });
    const res = await send({
      from: `Hello Team <hello@${t.domain}>`,
      to: [`alice@${remote}`],
      cc: `bob@${remote}`,
      bcc: [`carol@${remote}`],
      subject: "Welcome aboard",
      html: "<p>Hi <b>there</b></p>",
      text: "Hi there",
      headers: { "X-Campaign": "spring" },
      attachments: [
        { filename: "hello.txt", content: Buffer.from("attached bytes").toString("base64"), content_type: "text/plain" },
      ],
      tags: ["welcome"],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("queued");
    expect(res.body.message_id).toMatch(/^msg_[0-9a-z]{26}$/);

    for (const r of ["alice", "bob", "carol"]) {
      const d = await settled(res.body.message_id, `${r}@${remote}`);
      expect(d).toMatchObject({ status: "sent", attempts: 1, next_attempt_at: null });
      expect(d.last_response).toMatch(/^250/);
    }
    const got = mx.received.filter((m) => m.to[0]?.endsWith(`@${remote}`));
    expect(got.map((m) => m.to[0]).sort()).toEqual([`alice@${remote}`, `bob@${remote}`, `carol@${remote}`]);
    const raw = got[0]!.raw.toString("utf8");
    expect(got[0]!.from).toBe(`hello@${t.domain}`);
    expect(raw).toMatch(/^DKIM-Signature: /);
    expect(raw).toMatch(/\r\nMessage-ID: <[^>]+@/i);
    expect(raw).toMatch(/\r\nDate: /);
    expect(raw).toContain("X-Campaign: spring");
    expect(raw).not.toMatch(/\r\nBcc:/i);
    expect(raw).not.toContain("carol@");

    const message = await server.call("GET", `/api/v1/messages/${res.body.message_id}`, { key: t.key });
    expect(message.body).toMatchObject({
      id: res.body.message_id,
      direction: "outbound",
      from: `hello@${t.domain}`,
      to: [`alice@${remote}`],
      cc: [`bob@${remote}`],
      subject: "Welcome aboard",
      tags: ["welcome"],
    });
  });

  it("signs with the domain's DKIM key, and mailauth verifies it as pass", async () => {
    const remote = remoteDomain(dns);
    const res = await send({ from: `news@${t.domain}`, to: `dkim@${remote}`, subject: "Signed", text: "body" });
    await settled(res.body.message_id);
    const mail = mx.received.find((m) => m.to[0] === `dkim@${remote}`)!;
    const results = await verifyDkim(mail.raw, dns.address);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: t.domain, status: { result: "pass" } });
  });

  it("retries a 451 on the schedule, then delivers", async () => {
    const remote = remoteDomain(dns);
    let tries = 0;
    mx.reply = (mail) => {
      if (!mail.to[0]!.endsWith(remote)) return { code: 250 };
      tries++;
      return tries === 1 ? { code: 451, text: "4.7.1 Greylisted, try again" } : { code: 250 };
    };
    const res = await send({ from: `hello@${t.domain}`, to: `grey@${remote}`, subject: "Grey", text: "x" });
    const deferred = await eventually(async () => {
      const d = await deliveryOf(server, t.key, res.body.message_id);
      return d.status === "deferred" ? d : undefined;
    });
    expect(deferred.last_response).toMatch(/^451/);
    expect(deferred.next_attempt_at).not.toBeNull();
    const d = await settled(res.body.message_id);
    expect(d).toMatchObject({ status: "sent", attempts: 2 });
    expect(tries).toBe(2);
  });

  it("bounces a 550 at once, without retrying", async () => {
    const remote = remoteDomain(dns);
    mx.reply = (mail) => (mail.to[0]!.endsWith(remote) ? { code: 550, text: "5.1.1 No such user" } : { code: 250 });
    const res = await send({ from: `hello@${t.domain}`, to: `nobody@${remote}`, subject: "Bounce", text: "x" });
    const d = await settled(res.body.message_id);
    expect(d).toMatchObject({ status: "bounced", attempts: 1, next_attempt_at: null });
    expect(d.last_response).toMatch(/^550 5\.1\.1 No such user/);
  });

  it("treats an unreachable MX as temporary", async () => {
    const name = `dead-${Date.now()}.test`;
    dns.add(name, { type: "MX", value: "127.0.0.1", priority: 10 });
    // An MX record for a name with no server behind it on the MX port: nothing listens on .2.
    dns.set(name, "MX", [{ type: "MX", value: `mx.${name}`, priority: 10 }]);
    dns.add(`mx.${name}`, { type: "A", value: "127.0.0.2" });
    const res = await send({ from: `hello@${t.domain}`, to: `x@${name}`, subject: "Down", text: "x" });
    const d = await eventually(async () => {
      const row = await deliveryOf(server, t.key, res.body.message_id);
      return row.status === "deferred" ? row : undefined;
    });
    expect(d.last_response).toMatch(/connection failed/);
  });
});

describe("who may send, and what", () => {
  it("refuses a from address the tenant does not own: 403, nothing queued", async () => {
    const before = await sentCount();
    const other = await sendingTenant(server, dns, undefined);
    const res = await send({ from: `ceo@${other.domain}`, to: "x@example.com", subject: "Hi", text: "x" });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      success: false,
      code: "SENDER_NOT_ALLOWED",
      error: `You may not send as ceo@${other.domain}: it is not one of your mailboxes, nor on one of your active domains`,
    });
    const unverified = await server.call("POST", "/api/v1/domains", {
      key: t.key,
      body: { domain: `pending-${Date.now()}.test` },
    });
    const res2 = await send({ from: `a@${unverified.body.domain}`, to: "x@example.com", subject: "Hi", text: "x" });
    expect(res2.status).toBe(403);
    expect(await sentCount()).toBe(before);
  });

  it("refuses CR/LF in header values and bad addresses with 400 and details", async () => {
    const before = await sentCount();
    const base = { from: `hello@${t.domain}`, to: "x@example.com", subject: "Hi", text: "x" };
    const injected = await send({ ...base, subject: "Hi\r\nBcc: victim@example.com" });
    expect(injected.status).toBe(400);
    expect(injected.body.code).toBe("VALIDATION_ERROR");
    expect(injected.body.details).toContainEqual({ path: ["subject"], message: "Must not contain CR or LF" });

    const header = await send({ ...base, headers: { "X-Ok": "a\nInjected: yes" } });
    expect(header.status).toBe(400);
    expect(header.body.details).toContainEqual({ path: ["headers", "X-Ok"], message: "Must not contain CR or LF" });

    const notCustom = await send({ ...base, headers: { Received: "spoofed" } });
    expect(notCustom.status).toBe(400);
    expect(notCustom.body.details).toContainEqual({
      path: ["headers", "Received"],
      message: "Only custom X- headers may be set",
    });

    const name = await send({ ...base, from: `"Evil\r\nBcc: x@y.z" <hello@${t.domain}>` });
    expect(name.status).toBe(400);
    expect(name.body.details).toContainEqual({ path: ["from"], message: "Must not contain CR or LF" });

    const bad = await send({ ...base, to: ["ok@example.com", "not an address"] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toContainEqual({ path: ["to", 1], message: "Invalid email address" });
    const bodyless = await send({ from: base.from, to: base.to, subject: "x" });
    expect(bodyless.status).toBe(400);
    expect(bodyless.body.details).toContainEqual({ path: ["html"], message: "Give html or text" });
    expect(await sentCount()).toBe(before);
  });

  it("refuses NUL in the subject or a tag with 400 naming the field, and sends nothing", async () => {
    const before = await sentCount();
    const base = { from: `hello@${t.domain}`, to: "x@example.com", subject: "Hi", text: "x" };
    const subject = await send({ ...base, subject: "Hi\u0000there" });
    expect(subject.status).toBe(400);
    expect(subject.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["subject"], message: "Must not contain the NUL character" }],
    });
    const tag = await send({ ...base, tags: ["ok", "b\u0000d"] });
    expect(tag.status).toBe(400);
    expect(tag.body.details).toEqual([{ path: ["tags", 1], message: "Must not contain the NUL character" }]);
    expect(await sentCount()).toBe(before);
  });
});

describe("Idempotency-Key", () => {
  it("answers a repeat with the first response and sends once; a different body under the key is 409", async () => {
    const remote = remoteDomain(dns);
    mx.reply = () => ({ code: 250 });
    const key = `order-${Date.now()}`;
    const before = await sentCount();
    const body = { from: `hello@${t.domain}`, to: `idem@${remote}`, subject: "Receipt", text: "thanks" };
    const first = await send(body, { headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(200);
    const again = await send(
      { text: "thanks", subject: "Receipt", to: `idem@${remote}`, from: `hello@${t.domain}` },
      {
        headers: { "Idempotency-Key": key },
      },
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);

    const other = await send({ ...body, subject: "Different" }, { headers: { "Idempotency-Key": key } });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({
      success: false,
      code: "IDEMPOTENCY_KEY_REUSED",
      error: "This Idempotency-Key was already used with a different request body",
    });

    // One message recorded, with one recipient whose delivery is final: no second one can follow.
    expect(await settled(first.body.message_id)).toMatchObject({ status: "sent", attempts: 1 });
    expect(await sentCount()).toBe(before + 1);
    expect(mx.received.filter((m) => m.to[0] === `idem@${remote}`)).toHaveLength(1);

    const bad = await send(body, { headers: { "Idempotency-Key": "has space" } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("IDEMPOTENCY_KEY_INVALID");
  });
});

describe("size", () => {
  it("refuses a message over MAILROOM_MAX_MESSAGE_BYTES with 413, and sends nothing", async () => {
    const small = await startTestServer(
      { MAILROOM_DNS_SERVERS: dns.address, MAILROOM_MAX_MESSAGE_BYTES: "4096" },
      { backgroundJobs: false },
    );
    try {
      const tenant = await sendingTenant(small, dns, undefined);
      const res = await small.call("POST", "/api/v1/send", {
        key: tenant.key,
        body: {
          from: `hello@${tenant.domain}`,
          to: "x@example.com",
          subject: "Big",
          text: "x",
          attachments: [{ filename: "big.bin", content: Buffer.alloc(5000, 1).toString("base64") }],
        },
      });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        success: false,
        code: "MESSAGE_TOO_LARGE",
        error: "The message is 5001 bytes; this server accepts at most 4096 bytes",
      });
      // Just under the limit as attachment bytes, over it once composed and signed.
      const res2 = await small.call("POST", "/api/v1/send", {
        key: tenant.key,
        body: { from: `hello@${tenant.domain}`, to: "x@example.com", subject: "Big", text: "x".repeat(4000) },
      });
      expect(res2.status).toBe(413);
      expect(res2.body.code).toBe("MESSAGE_TOO_LARGE");
      expect(await sentCount(tenant.id)).toBe(0);
    } finally {
      await small.stop();
    }
  });
});

describe("hosted recipients", () => {
  async function account(key = t.key): Promise<{ id: string; email: string }> {
    const res = await createAccount(server, key, { domain: "mailroom.localhost", username: uniqueLocal("in") });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function inbox(accountId: string, key = t.key) {
    const res = await server.call("GET", `/api/v1/inbox/${accountId}`, { key });
    expect(res.status).toBe(200);
    return res.body.messages as { id: string; from: string; subject: string; date: string }[];
  }

  it("delivers into the inbox in the send's own transaction: status sent, read back like received mail", async () => {
    const own = await account();
    const otherTenant = await server.createTenant("pro");
    const theirs = await account(otherTenant.api_key);
    const res = await send({
      from: `Support <support@${t.domain}>`,
      to: [own.email, theirs.email],
      subject: "Hosted hello",
      text: "plain words",
      html: "<p>html words</p>",
      attachments: [
        { filename: "a.bin", content: Buffer.from([0, 1, 2, 250]).toString("base64"), content_type: "application/octet-stream" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("sent");

    // No waiting: it is there when the response is.
    const [mine] = await inbox(own.id);
    expect(mine).toMatchObject({ from: `support@${t.domain}`, subject: "Hosted hello" });
    const [other] = await inbox(theirs.id, otherTenant.api_key);
    expect(other?.subject).toBe("Hosted hello");

    const full = await server.call("GET", `/api/v1/messages/${mine!.id}`, { key: t.key });
    expect(full.status).toBe(200);
    expect(full.body.text.trim()).toBe("plain words");
    expect(full.body.html).toContain("<p>html words</p>");
    expect(full.body.attachments).toMatchObject([{ filename: "a.bin", content_type: "application/octet-stream", size: 4 }]);
    expect(full.body.auth_results.dkim[0]).toMatchObject({ result: "pass", domain: t.domain });
    const bytes = await fetch(`${server.url}/api/v1/messages/${mine!.id}/attachments/${full.body.attachments[0].id}`, {
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 250]));
    const raw = await fetch(`${server.url}/api/v1/messages/${mine!.id}/raw`, { headers: { authorization: `Bearer ${t.key}` } });
    const rawText = await raw.text();
    expect(rawText).toMatch(/^Authentication-Results: [\s\S]*\r\nReceived: from [\s\S]*\r\nDKIM-Signature: /);
    // The stored header list is the raw's, in its order (the copy's parse reuses the send's).
    const names = (full.body.headers as { name: string }[]).map((h) => h.name.toLowerCase());
    expect(names.slice(0, 3)).toEqual(["authentication-results", "received", "dkim-signature"]);
    expect(names).toEqual(expect.arrayContaining(["from", "to", "subject", "message-id", "date", "mime-version"]));

    // The sender's view: each hosted recipient delivered.
    const sent = await server.call("GET", `/api/v1/messages/${res.body.message_id}`, { key: t.key });
    expect(sent.body.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ recipient: own.email, status: "sent", hosted: true, attempts: 1 }),
        expect.objectContaining({ recipient: theirs.email, status: "sent", hosted: true }),
      ]),
    );
    // The other tenant cannot see the sent message.
    const foreign = await server.call("GET", `/api/v1/messages/${res.body.message_id}`, { key: otherTenant.api_key });
    expect(foreign.status).toBe(404);
  });

  it("sends at once between two mailboxes, both ways: each stored once, UIDs 1…n per folder, none lost to a deadlock", async () => {
    const a = await account();
    const b = await account();
    const sends = [
      ...Array.from({ length: 25 }, (_, i) => ({ from: a.email, to: b.email, subject: `a→b ${i}` })),
      ...Array.from({ length: 25 }, (_, i) => ({ from: b.email, to: a.email, subject: `b→a ${i}` })),
      ...Array.from({ length: 10 }, (_, i) => ({ from: a.email, to: [a.email, b.email], subject: `a→ab ${i}` })),
    ];
    const results = await Promise.all(sends.map((body) => send({ ...body, text: "x" })));
    expect(results.map((r) => r.status)).toEqual(sends.map(() => 200));
    expect(new Set(results.map((r) => r.body.message_id)).size).toBe(sends.length);

    const db = server.app.core.deps.db;
    const uids = async (mailboxId: string) => {
      const rows = await db
        .selectFrom("messages")
        .innerJoin("folders", "folders.id", "messages.folder_id")
        .select(["folders.name", "messages.uid", "messages.subject"])
        .where("messages.mailbox_id", "=", mailboxId)
        .execute();
      const byFolder: Record<string, number[]> = {};
      for (const r of rows) byFolder[r.name] = [...(byFolder[r.name] ?? []), Number(r.uid)];
      for (const list of Object.values(byFolder)) list.sort((x, y) => x - y);
      return byFolder;
    };
    const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // a: 25 from b + 10 to itself in INBOX; 35 sent. b: 25 from a + 10 in INBOX; 25 sent.
    expect(await uids(a.id)).toEqual({ INBOX: seq(35), Sent: seq(35) });
    expect(await uids(b.id)).toEqual({ INBOX: seq(35), Sent: seq(25) });
  });

  it("bounces an unknown address on our own domains at once, with a notice to a hosted sender", async () => {
    const sender = await account();
    const res = await send({ from: sender.email, to: `nobody-${Date.now()}@mailroom.localhost`, subject: "Lost", text: "x" });
    expect(res.body.status).toBe("queued");
    const d = await deliveryOf(server, t.key, res.body.message_id);
    expect(d).toMatchObject({ status: "bounced", last_response: "550 5.1.1 No such mailbox here" });
    const [notice] = await inbox(sender.id);
    expect(notice?.subject).toMatch(/^Undelivered Mail Returned to Sender: nobody-/);
  });

  it("a remote 550 puts a bounce notice into the hosted sender's inbox", async () => {
    const sender = await account();
    const remote = remoteDomain(dns);
    mx.reply = (mail) => (mail.to[0]!.endsWith(remote) ? { code: 550, text: "5.1.1 User unknown" } : { code: 250 });
    const res = await send({ from: sender.email, to: `gone@${remote}`, subject: "Will bounce", text: "x" });
    await settled(res.body.message_id);
    const [notice] = await eventually(async () => {
      const list = await inbox(sender.id);
      return list.length > 0 ? list : undefined;
    });
    expect(notice).toMatchObject({
      from: "mailer-daemon@mta.mailroom.test",
      subject: `Undelivered Mail Returned to Sender: gone@${remote}`,
    });
    const full = await server.call("GET", `/api/v1/messages/${notice!.id}`, { key: t.key });
    expect(full.body.text).toContain(`Your message to gone@${remote} was not delivered.`);
    expect(full.body.text).toContain("550 5.1.1 User unknown");
  });
});
