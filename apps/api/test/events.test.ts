import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { allEvents, eventColumns, eventsOfType, listEvents } from "./support/events.js";
import { eventually, FakeSmtp } from "./support/fake-smtp.js";
import { createAccount, createEmail } from "./support/mailbox-helpers.js";
import { addInbox, MX_DOMAINS, MX_HOSTNAME, mxTransport, newInbox } from "./support/receiving.js";
import { deliveryOf, remoteDomain, sendingTenant } from "./support/sending-helpers.js";
import { addTestDomain, publishDomainRecords, uniqueDomain, uniqueLocal } from "./support/test-domains.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

let dns: TestDnsServer;
let mx: FakeSmtp;
let server: TestServer;
const tenants = new Set<string>();

beforeAll(async () => {
  dns = await TestDnsServer.start();
  mx = await FakeSmtp.start();
  // Each remote recipient's local part says how the remote MX answers it.
  const tries = new Map<string, number>();
  mx.reply = (mail) => {
    const to = mail.to[0]!;
    tries.set(to, (tries.get(to) ?? 0) + 1);
    if (to.startsWith("refuse")) return { code: 550, text: "5.1.1 No such user here" };
    if (to.startsWith("later") && tries.get(to) === 1) return { code: 421, text: "4.3.2 Try again later" };
    return { code: 250 };
  };
  server = await startTestServer(
    {
      MAILROOM_DNS_SERVERS: dns.address,
      MAILROOM_MX_PORT: String(mx.port),
      MAILROOM_SYSTEM_DOMAINS: MX_DOMAINS,
      MAILROOM_HOSTNAME: MX_HOSTNAME,
      MAILROOM_GREET_PAUSE_MS: "0",
      MAILROOM_RETRY_SCHEDULE: "1",
    },
    { backgroundJobs: false, deliveryTenants: tenants },
  );
});
afterAll(async () => {
  await server?.stop();
  await mx?.stop();
  await dns?.stop();
});

describe("message.received", () => {
  it("is written once per recipient mailbox of a message from the MX, with the message's data", async () => {
    const a = await newInbox(server);
    const b = await addInbox(server, a);
    const transport = mxTransport(server.app.smtpPort);
    await transport.sendMail({
      from: { name: "Shop", address: "orders@shop.example" },
      to: [a.address, b.address],
      cc: "someone@else.example",
      subject: "Your code",
      text: "Hello there",
      attachments: [{ filename: "note.txt", content: "attached bytes" }],
      envelope: { from: "bounces@shop.example", to: [a.address, b.address] },
    });
    transport.close();

    const events = await eventsOfType(server, a.key, "message.received");
    expect(events).toHaveLength(2);
    const byMailbox = new Map(events.map((e) => [e.data.mailbox_id, e]));
    for (const inbox of [a, b]) {
      const e = byMailbox.get(inbox.accountId)!;
      expect(e.id).toMatch(/^evt_/);
      expect(e.data).toMatchObject({
        mailbox_id: inbox.accountId,
        address: inbox.address,
        from: { address: "orders@shop.example", name: "Shop" },
        to: [
          { address: a.address, name: null },
          { address: b.address, name: null },
        ],
        cc: [{ address: "someone@else.example", name: null }],
        subject: "Your code",
        text: "Hello there",
        truncated: false,
        attachments: [{ filename: "note.txt", content_type: "text/plain", size: 14 }],
        auth: { spf: expect.any(Object), dkim: expect.any(Array), dmarc: expect.any(Object) },
        codes: expect.any(Array),
        links: expect.any(Array),
      });
      expect(e.data.size).toBeGreaterThan(100);
      expect(Date.parse(e.data.date)).not.toBeNaN();
      expect(e.data.urls).toEqual({
        message: `/api/v1/messages/${e.data.message_id}`,
        raw: `/api/v1/messages/${e.data.message_id}/raw`,
      });
      // The links name the copy in this mailbox, which the API serves.
      const message = await server.call("GET", e.data.urls.message, { key: a.key });
      expect(message.status).toBe(200);
      expect(message.body.account_id).toBe(inbox.accountId);
      expect(await eventColumns(server, e.id)).toEqual({ tenant_id: a.tenantId, mailbox_id: inbox.accountId, domain_id: null });
    }
  });

  it("cuts the text at 64 KB and says so", async () => {
    const inbox = await newInbox(server);
    const transport = mxTransport(server.app.smtpPort);
    await transport.sendMail({ from: "big@shop.example", to: inbox.address, subject: "Big", text: "é".repeat(40_000) });
    transport.close();
    const [e] = await eventsOfType(server, inbox.key, "message.received");
    expect(e!.data.truncated).toBe(true);
    expect(Buffer.byteLength(e!.data.text, "utf8")).toBe(65_536);
    expect(e!.data.text).toBe("é".repeat(32_768));
  });
});

describe("sending", () => {
  it("a send to a hosted mailbox writes message.sent, delivery.sent and the recipient's message.received", async () => {
    const t = await sendingTenant(server, dns, tenants);
    const inbox = await addInbox(server, { key: t.key, tenantId: t.id });
    const res = await server.call("POST", "/api/v1/send", {
      key: t.key,
      body: { from: `hi@${t.domain}`, to: inbox.address, subject: "Local", text: "hello", tags: ["welcome"] },
    });
    expect(res.status).toBe(200);
    const messageId = res.body.message_id;

    const [sent] = await eventsOfType(server, t.key, "message.sent");
    expect(sent!.data).toEqual({
      message_id: messageId,
      from: `hi@${t.domain}`,
      to: [inbox.address],
      cc: [],
      subject: "Local",
      source: "api",
      recipients: 1,
      tags: ["welcome"],
      urls: { message: `/api/v1/messages/${messageId}` },
    });
    const domainId = (await server.call("GET", "/api/v1/domains", { key: t.key })).body.domains[0].id;
    expect(await eventColumns(server, sent!.id)).toMatchObject({ mailbox_id: null, domain_id: domainId });

    const [delivered] = await eventsOfType(server, t.key, "delivery.sent");
    const [received] = await eventsOfType(server, t.key, "message.received");
    expect(delivered!.data).toMatchObject({
      message_id: messageId,
      recipient: inbox.address,
      status: "sent",
      attempt: 1,
      response: { code: 250, enhanced_code: "2.0.0", text: "Stored in the mailbox" },
      next_attempt_at: null,
      copy_message_id: received!.data.message_id,
    });
    expect(received!.data).toMatchObject({ mailbox_id: inbox.accountId, subject: "Local", text: "hello\n" });
    // All three were written by the send's one statement: they follow each other in the log.
    const types = (await allEvents(server, t.key)).map((e) => e.type);
    expect(types.slice(-3).sort()).toEqual(["delivery.sent", "message.received", "message.sent"]);
  });

  it("remote recipients: delivery.sent, delivery.bounced on a 5xx, delivery.deferred on a 4xx then delivery.sent", async () => {
    const t = await sendingTenant(server, dns, tenants);
    const remote = remoteDomain(dns);
    const res = await server.call("POST", "/api/v1/send", {
      key: t.key,
      body: {
        from: `hi@${t.domain}`,
        to: [`fine@${remote}`, `refuse@${remote}`, `later@${remote}`],
        subject: "Out",
        text: "x",
      },
    });
    expect(res.status).toBe(200);
    const messageId = res.body.message_id;
    await eventually(async () => (await deliveryOf(server, t.key, messageId, `later@${remote}`)).status === "sent", 20_000);

    const events = await allEvents(server, t.key, "?type=delivery.sent,delivery.bounced,delivery.deferred,delivery.failed");
    const of = (recipient: string) => events.filter((e) => e.data.recipient === `${recipient}@${remote}`);
    expect(of("fine").map((e) => e.type)).toEqual(["delivery.sent"]);
    expect(of("fine")[0]!.data).toMatchObject({ status: "sent", attempt: 1, response: { code: 250 }, from: `hi@${t.domain}` });
    expect(of("refuse").map((e) => e.type)).toEqual(["delivery.bounced"]);
    expect(of("refuse")[0]!.data).toMatchObject({
      message_id: messageId,
      status: "bounced",
      attempt: 1,
      response: { code: 550, enhanced_code: "5.1.1", text: "No such user here" },
      next_attempt_at: null,
    });
    expect(of("later").map((e) => e.type)).toEqual(["delivery.deferred", "delivery.sent"]);
    const [deferred, later] = of("later");
    expect(deferred!.data).toMatchObject({
      status: "deferred",
      attempt: 1,
      response: { code: 421, enhanced_code: "4.3.2", text: "Try again later" },
    });
    expect(Date.parse(deferred!.data.next_attempt_at)).toBeGreaterThan(Date.parse(deferred!.timestamp));
    expect(later!.data).toMatchObject({ status: "sent", attempt: 2 });
  });

  it("delivery.failed when a recipient is still deferred at MAILROOM_MAX_DELIVERY_HOURS", async () => {
    const slow = await FakeSmtp.start();
    slow.reply = () => ({ code: 451, text: "4.7.1 Greylisted" });
    const own = new Set<string>();
    const expiring = await startTestServer(
      {
        MAILROOM_DNS_SERVERS: dns.address,
        MAILROOM_MX_PORT: String(slow.port),
        MAILROOM_RETRY_SCHEDULE: "1",
        MAILROOM_MAX_DELIVERY_HOURS: "0.0005",
      },
      { backgroundJobs: false, deliveryTenants: own },
    );
    try {
      const t = await sendingTenant(expiring, dns, own);
      const remote = remoteDomain(dns);
      const res = await expiring.call("POST", "/api/v1/send", {
        key: t.key,
        body: { from: `hi@${t.domain}`, to: `late@${remote}`, subject: "Never", text: "x" },
      });
      await eventually(async () => (await deliveryOf(expiring, t.key, res.body.message_id)).status === "failed", 20_000);
      const events = await allEvents(expiring, t.key, "?type=delivery.deferred&type=delivery.failed");
      expect(events.at(-1)!.type).toBe("delivery.failed");
      expect(events.slice(0, -1).every((e) => e.type === "delivery.deferred")).toBe(true);
      expect(events.at(-1)!.data).toMatchObject({
        status: "failed",
        attempt: events.length,
        response: { code: 451, enhanced_code: "4.7.1", text: "Greylisted" },
        next_attempt_at: null,
      });
    } finally {
      await expiring.stop();
      await slow.stop();
    }
  });

  it("a refused send writes no event; an idempotent replay writes none again", async () => {
    const t = await sendingTenant(server, dns, tenants);
    const before = await allEvents(server, t.key);
    const refused = await server.call("POST", "/api/v1/send", {
      key: t.key,
      body: { from: "someone@not-mine.example", to: "x@ig.do", subject: "No", text: "x" },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("SENDER_NOT_ALLOWED");
    expect(await allEvents(server, t.key)).toEqual(before);

    const body = { from: `hi@${t.domain}`, to: `nobody@ig.do`, subject: "Once", text: "x" };
    const headers = { "idempotency-key": uniqueLocal("key") };
    const first = await server.call("POST", "/api/v1/send", { key: t.key, body, headers });
    const again = await server.call("POST", "/api/v1/send", { key: t.key, body, headers });
    expect(again.body).toEqual(first.body);
    const reused = await server.call("POST", "/api/v1/send", { key: t.key, body: { ...body, subject: "Other" }, headers });
    expect(reused.status).toBe(409);
    const sent = await eventsOfType(server, t.key, "message.sent");
    expect(sent.map((e) => e.data.message_id)).toEqual([first.body.message_id]);
    // nobody@ig.do has no mailbox: the send bounces it at once, in the same statement.
    const [bounced] = await eventsOfType(server, t.key, "delivery.bounced");
    expect(bounced!.data).toMatchObject({ recipient: "nobody@ig.do", response: { code: 550, enhanced_code: "5.1.1" } });
  });
});

describe("domain.verified and domain.failed", () => {
  it("are written on a status change only, by verify and by the background re-check", async () => {
    const tenant = await server.createTenant();
    const key = tenant.api_key;
    const added = await addTestDomain(server, key, uniqueDomain("evt"));
    // Pending and still unpublished: no change, no event.
    expect((await server.call("POST", `/api/v1/domains/${added.id}/verify`, { key })).body.status).toBe("pending_verification");
    expect(await listEvents(server, key)).toEqual([]);

    publishDomainRecords(dns, added);
    expect((await server.call("POST", `/api/v1/domains/${added.id}/verify`, { key })).body.status).toBe("active");
    expect((await server.call("POST", `/api/v1/domains/${added.id}/verify`, { key })).body.status).toBe("active");
    const verified = await eventsOfType(server, key, "domain.verified");
    expect(verified).toHaveLength(1);
    expect(verified[0]!.data).toMatchObject({
      domain_id: added.id,
      domain: added.domain,
      status: "active",
      previous_status: "pending_verification",
      failure_reason: null,
      failed_records: [],
    });
    expect(await eventColumns(server, verified[0]!.id)).toMatchObject({ domain_id: added.id, mailbox_id: null });

    dns.set(added.domain, "MX", []);
    await server.app.core.deps.db
      .updateTable("domains")
      .set({ next_check_at: new Date(Date.now() - 3_600_000) })
      .where("id", "=", added.id)
      .execute();
    await server.app.core.domains.recheckDue();
    const failed = await eventsOfType(server, key, "domain.failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({
      domain_id: added.id,
      status: "failed",
      previous_status: "active",
      failure_reason: `No MX record at ${added.domain}`,
      failed_records: [{ type: "MX", host: "@", observed: [], error: null, reason: `No MX record at ${added.domain}` }],
    });
  });
});

describe("mailbox events", () => {
  it("mailbox.created from both API dialects, mailbox.deleted, and mailbox.expired from the purge", async () => {
    const tenant = await server.createTenant();
    const key = tenant.api_key;
    const account = await createAccount(server, key, { domain: "ig.do", username: uniqueLocal("evt") });
    expect(account.status).toBe(201);
    const created2 = await createEmail(server, key, { email: `${uniqueLocal("evt")}@ig.do`, tag: "signup" });
    expect(created2.status).toBe(201);
    const email = { body: created2.body.data };

    const created = await eventsOfType(server, key, "mailbox.created");
    expect(created.map((e) => e.data.mailbox_id)).toEqual([account.body.id, email.body.id]);
    expect(created[1]!.data).toMatchObject({
      address: email.body.email,
      domain: "ig.do",
      domain_id: null,
      tag: "signup",
      expires_at: null,
    });
    expect(await eventColumns(server, created[0]!.id)).toMatchObject({ mailbox_id: account.body.id, domain_id: null });

    expect((await server.call("DELETE", `/api/v1/emails/${email.body.id}`, { key })).status).toBe(200);
    const [deleted] = await eventsOfType(server, key, "mailbox.deleted");
    expect(deleted!.data).toMatchObject({ mailbox_id: email.body.id, address: email.body.email });

    // Expired now (an update may do that on purpose), then purged.
    const past = new Date(Date.now() - 1000).toISOString();
    expect((await server.call("PATCH", `/api/v1/accounts/${account.body.id}`, { key, body: { expires_at: past } })).status).toBe(
      200,
    );
    await server.app.core.maintenance.purgeExpiredMailboxes();
    const [expired] = await eventsOfType(server, key, "mailbox.expired");
    expect(expired!.data).toMatchObject({ mailbox_id: account.body.id, address: account.body.email });
    expect(Date.parse(expired!.data.expires_at)).toBeLessThanOrEqual(Date.now());
  });

  it("a create refused for a taken address or over the quota writes no event", async () => {
    const owner = await server.createTenant();
    const other = await server.createTenant();
    const address = `${uniqueLocal("evt")}@ig.do`;
    expect((await createEmail(server, owner.api_key, { email: address })).status).toBe(201);
    const taken = await createEmail(server, other.api_key, { email: address });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe("EMAIL_ADDRESS_TAKEN");
    expect(await listEvents(server, other.api_key)).toEqual([]);

    // The free plan's quota, filled.
    let refused: Awaited<ReturnType<typeof createEmail>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await createEmail(server, other.api_key, { email: `${uniqueLocal("q")}@ig.do` });
      if (res.status !== 201) refused = res;
    }
    expect(refused!.status).toBe(403);
    expect(refused!.body.code).toBe("MAILBOX_QUOTA_EXCEEDED");
    const created = await eventsOfType(server, other.api_key, "mailbox.created");
    const total = (await server.call("GET", "/api/v1/accounts?limit=1", { key: other.api_key })).body.total;
    expect(created).toHaveLength(total);
  });
});

describe("GET /events", () => {
  async function tenantWithEvents(n: number) {
    const tenant = await server.createTenant("pro");
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await createEmail(server, tenant.api_key, { email: `${uniqueLocal("list")}@ig.do` });
      ids.push(res.body.data.id);
    }
    return { key: tenant.api_key, mailboxIds: ids };
  }

  it("lists oldest first, pages with cursor, filters by type and since", async () => {
    const t = await tenantWithEvents(5);
    await server.call("DELETE", `/api/v1/emails/${t.mailboxIds[0]}`, { key: t.key });
    const all = await listEvents(server, t.key);
    expect(all.map((e) => e.type)).toEqual([...Array(5).fill("mailbox.created"), "mailbox.deleted"]);
    expect(all.slice(0, 5).map((e) => e.data.mailbox_id)).toEqual(t.mailboxIds);

    const first = await server.call("GET", "/api/v1/events?limit=4", { key: t.key });
    expect(first.body.events.map((e: { id: string }) => e.id)).toEqual(all.slice(0, 4).map((e) => e.id));
    expect(first.body.next_cursor).toBe(all[3]!.id);
    const second = await server.call("GET", `/api/v1/events?limit=4&cursor=${first.body.next_cursor}`, { key: t.key });
    expect(second.body.events.map((e: { id: string }) => e.id)).toEqual(all.slice(4).map((e) => e.id));
    expect(second.body.next_cursor).toBeNull();
    // The last event's id as cursor: nothing new yet.
    expect(await listEvents(server, t.key, `?cursor=${all.at(-1)!.id}`)).toEqual([]);

    expect((await listEvents(server, t.key, "?type=mailbox.deleted")).map((e) => e.id)).toEqual([all[5]!.id]);
    expect(await listEvents(server, t.key, "?type=mailbox.deleted,mailbox.created")).toEqual(all);
    expect(await listEvents(server, t.key, "?type=mailbox.deleted&type=mailbox.created")).toEqual(all);
    expect(await listEvents(server, t.key, "?type=message.received")).toEqual([]);

    expect(await listEvents(server, t.key, `?since=${encodeURIComponent(all[0]!.timestamp)}`)).toEqual(all);
    expect(await listEvents(server, t.key, `?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
  });

  it("shows a tenant only its own events, and refuses another tenant's event as cursor", async () => {
    const a = await tenantWithEvents(2);
    const b = await server.createTenant();
    expect(await listEvents(server, b.api_key)).toEqual([]);
    const [aEvent] = await listEvents(server, a.key);
    const res = await server.call("GET", `/api/v1/events?cursor=${aEvent!.id}`, { key: b.api_key });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      code: "EVENT_CURSOR_UNKNOWN",
      error: `Event ${aEvent!.id} is not in your event log (pruned, or never yours); start again with since`,
    });
  });

  it("refuses bad input, naming the field and the value", async () => {
    const { api_key: key } = await server.createTenant();
    const cases: [string, (string | number)[], RegExp][] = [
      ["?type=message.recieved", ["type", 0], /Unknown event type "message.recieved"\. Must be one of message\.received, /],
      ["?type=mailbox.created,nope", ["type", 0], /Unknown event type "nope"/],
      ["?since=yesterday", ["since"], /ISO-8601 date-time/],
      ["?limit=0", ["limit"], /from 1 to 100/],
      ["?limit=101", ["limit"], /from 1 to 100/],
      ["?limit=abc", ["limit"], /from 1 to 100/],
      ["?cursor=msg_01m7wmx9n578hkxg1qwdejd1hw", ["cursor"], /Cursor is invalid/],
    ];
    for (const [query, path, message] of cases) {
      const res = await server.call("GET", `/api/v1/events${query}`, { key });
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe("VALIDATION_ERROR");
      expect(res.body.details[0].path, query).toEqual(path);
      expect(res.body.details[0].message, query).toMatch(message);
    }
    const unknown = await server.call("GET", "/api/v1/events?cursor=evt_01m7wz6x1yqmthr8c4k9e2b7fa", { key });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe("EVENT_CURSOR_UNKNOWN");
  });

  it("needs a tenant key", async () => {
    expect((await server.call("GET", "/api/v1/events")).status).toBe(401);
    const admin = await server.call("GET", "/api/v1/events", { key: ADMIN_KEY });
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("TENANT_ONLY");
  });
});

describe("retention", () => {
  it("prunes events older than MAILROOM_EVENT_RETENTION_DAYS", async () => {
    const tenant = await server.createTenant();
    for (const label of ["old", "fresh"]) {
      const res = await createEmail(server, tenant.api_key, { email: `${uniqueLocal(label)}@ig.do` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const [old, fresh] = await listEvents(server, tenant.api_key);
    await server.app.core.deps.db
      .updateTable("events")
      .set({ created_at: new Date(Date.now() - 31 * 86_400_000) })
      .where("id", "=", old!.id)
      .execute();
    expect(await server.app.core.maintenance.pruneEvents()).toBeGreaterThanOrEqual(1);
    expect((await listEvents(server, tenant.api_key)).map((e) => e.id)).toEqual([fresh!.id]);
    // A pruned event is an unknown cursor.
    const res = await server.call("GET", `/api/v1/events?cursor=${old!.id}`, { key: tenant.api_key });
    expect(res.body.code).toBe("EVENT_CURSOR_UNKNOWN");
  });
});
