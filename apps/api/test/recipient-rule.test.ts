import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { SmtpSession } from "./support/smtp-session.js";
import { TestDnsServer } from "./support/dns-server.js";
import {
  activeTestDomain,
  addTestDomain,
  publishDomainRecords,
  uniqueDomain,
  uniqueLocal,
  type AddedDomain,
} from "./support/test-domains.js";
import type { TestServer } from "./support/test-server.js";

/*
 * The one recipient rule, case by case, through each real path that asks it: the MX at RCPT,
 * POST /api/v1/send with the recipient, and SMTP submission (nodemailer, logged in).
 */

const PASSWORD = "securePass123";
let server: TestServer;
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  // No delivery worker takes these tenants' mail: a remote recipient stays queued, for the test to see.
  server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address }, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
  await dns?.stop();
});

const db = () => server.app.core.deps.db;

async function patch(path: string, key: string, body: Record<string, unknown>) {
  const res = await server.call("PATCH", path, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The MX's reply to RCPT TO:<address>, and the message stored when it was accepted. */
async function viaMx(address: string, subject: string): Promise<string> {
  const session = await SmtpSession.open(server.app.smtpPort);
  try {
    await session.command("EHLO sender.test");
    await session.command("MAIL FROM:<someone@sender.test>");
    const reply = await session.command(`RCPT TO:<${address}>`);
    if (reply.startsWith("250")) {
      expect(await session.data(`Subject: ${subject}\r\nFrom: someone@sender.test\r\nTo: ${address}\r\n\r\nhi\r\n`)).toMatch(
        /^250 /,
      );
    }
    return reply;
  } finally {
    session.close();
  }
}

interface DeliveryView {
  recipient: string;
  status: string;
  hosted: boolean;
  last_response: string | null;
}

async function deliveryOf(key: string, messageId: string): Promise<DeliveryView> {
  const res = await server.call("GET", `/api/v1/messages/${messageId}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.deliveries).toHaveLength(1);
  return res.body.deliveries[0];
}

async function viaSendApi(key: string, from: string, to: string, subject: string): Promise<DeliveryView> {
  const res = await server.call("POST", "/api/v1/send", { key, body: { from, to, subject, text: "hi" } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return deliveryOf(key, res.body.message_id);
}

function submission(user: string) {
  return createTransport({
    host: "127.0.0.1",
    port: server.app.submissionPort,
    secure: false,
    ignoreTLS: true,
    auth: { user, pass: PASSWORD },
  });
}

async function viaSubmission(key: string, from: string, to: string, subject: string): Promise<DeliveryView> {
  const info = await submission(from).sendMail({ from, to, subject, text: "hi" });
  const id = /Queued as (msg_[0-9a-z]+)/.exec(info.response)?.[1];
  expect(id, info.response).toBeDefined();
  return deliveryOf(key, id!);
}

/** Copies stored for `address` anywhere on the server. */
async function copiesFor(address: string) {
  return db().selectFrom("messages").select(["mailbox_id", "subject", "to_tag"]).where("rcpt_to", "=", address).execute();
}

const MX_ACCEPT = /^250 /;
const MX_UNKNOWN = /^550 5\.1\.1 /;
const MX_RELAY = /^550 5\.7\.1 .*Relay access denied$/;

type Outcome = "mailbox" | "unknown" | "foreign";

interface Case {
  name: string;
  address: () => string;
  outcome: Outcome;
  /** The mailbox that must get it (outcome mailbox). */
  into?: () => TestInbox;
  tag?: string | null;
  /** A mailbox that must stay empty of this case's mail. */
  untouched?: () => TestInbox;
}

describe("the recipient rule, through the MX, POST /send and submission", () => {
  let owner: { key: string; tenantId: string };
  let sender: TestInbox;
  let onSystem: TestInbox;
  let onActive: TestInbox;
  let catchAll: TestInbox;
  let disabledOnCatchAll: TestInbox;
  let onPending: TestInbox;
  let onFailed: TestInbox;
  let expired: TestInbox;
  let disabled: TestInbox;
  let othersMailbox: TestInbox;
  let claimantsMailbox: TestInbox;
  let active: AddedDomain;
  let withCatchAll: AddedDomain;
  let contested: string;

  beforeAll(async () => {
    const tenant = await server.createTenant("pro");
    owner = { key: tenant.api_key, tenantId: tenant.id };
    sender = await addInbox(server, owner, uniqueLocal("from"));
    onSystem = await addInbox(server, owner, uniqueLocal("sys"));
    expired = await addInbox(server, owner, uniqueLocal("old"));
    disabled = await addInbox(server, owner, uniqueLocal("off"));
    await patch(`/api/v1/accounts/${expired.accountId}`, owner.key, { expires_at: new Date(Date.now() - 1000).toISOString() });
    await patch(`/api/v1/accounts/${disabled.accountId}`, owner.key, { status: "disabled" });

    active = await activeTestDomain(server, dns, owner.key, uniqueDomain("active"));
    onActive = await addInbox(server, owner, uniqueLocal("act"), active.domain);

    withCatchAll = await activeTestDomain(server, dns, owner.key, uniqueDomain("catchall"));
    catchAll = await addInbox(server, owner, uniqueLocal("all"), withCatchAll.domain);
    disabledOnCatchAll = await addInbox(server, owner, uniqueLocal("off"), withCatchAll.domain);
    await patch(`/api/v1/accounts/${disabledOnCatchAll.accountId}`, owner.key, { status: "disabled" });
    await patch(`/api/v1/domains/${withCatchAll.id}`, owner.key, { catch_all_account_id: catchAll.accountId });

    const pending = await addTestDomain(server, owner.key, uniqueDomain("pending"));
    onPending = await addInbox(server, owner, uniqueLocal("pend"), pending.domain);

    const failed = await activeTestDomain(server, dns, owner.key, uniqueDomain("failed"));
    onFailed = await addInbox(server, owner, uniqueLocal("fail"), failed.domain);
    dns.set(failed.domain, "MX", []);
    const reverify = await server.call("POST", `/api/v1/domains/${failed.id}/verify`, { key: owner.key });
    expect(reverify.body.status).toBe("failed");

    const other = await server.createTenant("pro");
    const othersDomain = await activeTestDomain(server, dns, other.api_key, uniqueDomain("other"));
    othersMailbox = await addInbox(server, { key: other.api_key, tenantId: other.id }, uniqueLocal("oth"), othersDomain.domain);

    // A mailbox on another tenant's pending claim of a name the owner then verified.
    const claimant = await server.createTenant("pro");
    contested = uniqueDomain("contested");
    await addTestDomain(server, claimant.api_key, contested);
    claimantsMailbox = await addInbox(server, { key: claimant.api_key, tenantId: claimant.id }, "info", contested);
    await activeTestDomain(server, dns, owner.key, contested);
  });

  const local = (m: TestInbox) => m.address.slice(0, m.address.indexOf("@"));
  const cases: Case[] = [
    { name: "system domain, live mailbox", address: () => onSystem.address, outcome: "mailbox", into: () => onSystem, tag: null },
    {
      name: "system domain, +tag",
      address: () => `${local(onSystem)}+news@ig.do`,
      outcome: "mailbox",
      into: () => onSystem,
      tag: "news",
    },
    { name: "system domain, unknown local part", address: () => `nobody-${uniqueLocal()}@ig.do`, outcome: "unknown" },
    {
      name: "active custom domain, mailbox",
      address: () => onActive.address,
      outcome: "mailbox",
      into: () => onActive,
      tag: null,
    },
    {
      name: "active custom domain, +tag, any case",
      address: () => `${local(onActive)}+Orders@${active.domain}`.toUpperCase(),
      outcome: "mailbox",
      into: () => onActive,
      tag: "orders",
    },
    {
      name: "active custom domain, unknown local part, no catch-all",
      address: () => `nobody@${active.domain}`,
      outcome: "unknown",
    },
    {
      name: "unknown local part → the catch-all",
      address: () => `nobody-${uniqueLocal()}@${withCatchAll.domain}`,
      outcome: "mailbox",
      into: () => catchAll,
      tag: null,
    },
    {
      name: "unknown local part with +tag → the catch-all, tag kept",
      address: () => `sales+q4@${withCatchAll.domain}`,
      outcome: "mailbox",
      into: () => catchAll,
      tag: "q4",
    },
    {
      name: "disabled mailbox on a catch-all domain still refuses",
      address: () => disabledOnCatchAll.address,
      outcome: "unknown",
      untouched: () => catchAll,
    },
    { name: "pending custom domain", address: () => onPending.address, outcome: "foreign", untouched: () => onPending },
    { name: "failed custom domain", address: () => onFailed.address, outcome: "foreign", untouched: () => onFailed },
    { name: "expired mailbox", address: () => expired.address, outcome: "unknown", untouched: () => expired },
    { name: "disabled mailbox", address: () => disabled.address, outcome: "unknown", untouched: () => disabled },
    {
      name: "another tenant's mailbox on its active domain",
      address: () => othersMailbox.address,
      outcome: "mailbox",
      into: () => othersMailbox,
      tag: null,
    },
    {
      name: "a mailbox of another tenant's claim on a name verified by someone else",
      address: () => `info@${contested}`,
      outcome: "unknown",
      untouched: () => claimantsMailbox,
    },
    { name: "a domain nobody added", address: () => `someone@${uniqueDomain("nowhere")}`, outcome: "foreign" },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.outcome}`, async () => {
      const address = c.address();
      const normalised = address.toLowerCase();
      const marker = uniqueLocal("case");
      const mx = await viaMx(address, `${marker} mx`);
      const api = await viaSendApi(owner.key, sender.address, address, `${marker} api`);
      const sub = await viaSubmission(owner.key, sender.address, address, `${marker} submission`);

      const copies = await copiesFor(normalised);
      if (c.outcome === "mailbox") {
        expect(mx).toMatch(MX_ACCEPT);
        for (const d of [api, sub]) expect(d).toMatchObject({ recipient: normalised, status: "sent", hosted: true });
        expect(copies.map((m) => m.subject).sort()).toEqual([`${marker} api`, `${marker} mx`, `${marker} submission`]);
        expect(copies.every((m) => m.mailbox_id === c.into!().accountId && m.to_tag === c.tag)).toBe(true);
        return;
      }
      expect(copies).toEqual([]);
      if (c.untouched) {
        const inbox = await db()
          .selectFrom("messages")
          .select("subject")
          .where("mailbox_id", "=", c.untouched().accountId)
          .execute();
        expect(inbox.filter((m) => m.subject.startsWith(marker))).toEqual([]);
      }
      if (c.outcome === "unknown") {
        expect(mx).toMatch(MX_UNKNOWN);
        for (const d of [api, sub]) {
          expect(d).toMatchObject({
            recipient: normalised,
            status: "bounced",
            hosted: false,
            last_response: "550 5.1.1 No such mailbox here",
          });
        }
      } else {
        expect(mx).toMatch(MX_RELAY);
        // Not a domain we receive for: it goes out like any remote address (queued for the worker).
        for (const d of [api, sub]) expect(d).toMatchObject({ recipient: normalised, status: "queued", hosted: false });
      }
    });
  }
});

/** Rows that a refused send would have written. */
async function outboundCount(tenantId: string): Promise<number> {
  const row = await db()
    .selectFrom("outbound_messages")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("who may send: the sender's domain must be a system domain or the tenant's active domain", () => {
  it("refuses a mailbox on a pending domain: 403 SENDER_NOT_ALLOWED over the API, 550 5.7.1 over submission; nothing stored", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const pending = await addTestDomain(server, owner.key, uniqueDomain("bank"));
    const mailbox = await addInbox(server, owner, uniqueLocal("ceo"), pending.domain);
    const recipient = await addInbox(server, owner, uniqueLocal("to"));

    const message = `You may not send as ${mailbox.address}: ${pending.domain} is not verified (its status is pending_verification); mail may be sent only from system domains and your active domains`;
    const res = await server.call("POST", "/api/v1/send", {
      key: owner.key,
      body: { from: mailbox.address, to: [recipient.address, "someone@example.com"], subject: "Wire the money", text: "now" },
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, code: "SENDER_NOT_ALLOWED", error: message });
    // Any other address on the pending domain, too.
    const other = await server.call("POST", "/api/v1/send", {
      key: owner.key,
      body: { from: `payments@${pending.domain}`, to: "someone@example.com", subject: "x", text: "x" },
    });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("SENDER_NOT_ALLOWED");

    const refused = await submission(mailbox.address)
      .sendMail({ from: mailbox.address, to: recipient.address, subject: "Wire the money", text: "now" })
      .then(
        () => undefined,
        (err: { responseCode?: number; response?: string }) => err,
      );
    expect(refused?.responseCode).toBe(550);
    expect(refused?.response).toBe(`550 5.7.1 ${message}`);

    expect(await outboundCount(tenant.id)).toBe(0);
    expect(await copiesFor(recipient.address)).toEqual([]);

    // Once the domain verifies, the same mailbox may send.
    await activeTestDomainFromPending(owner.key, pending);
    const after = await server.call("POST", "/api/v1/send", {
      key: owner.key,
      body: { from: mailbox.address, to: recipient.address, subject: "Now verified", text: "ok" },
    });
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect(after.body.status).toBe("sent");
  });

  it("refuses a failed domain the same way", async () => {
    const tenant = await server.createTenant("pro");
    const failed = await activeTestDomain(server, dns, tenant.api_key, uniqueDomain("lapsed"));
    dns.set(failed.domain, "MX", []);
    expect((await server.call("POST", `/api/v1/domains/${failed.id}/verify`, { key: tenant.api_key })).body.status).toBe(
      "failed",
    );
    const res = await server.call("POST", "/api/v1/send", {
      key: tenant.api_key,
      body: { from: `news@${failed.domain}`, to: "someone@example.com", subject: "x", text: "x" },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe(
      `You may not send as news@${failed.domain}: ${failed.domain} is not verified (its status is failed); mail may be sent only from system domains and your active domains`,
    );
    expect(await outboundCount(tenant.id)).toBe(0);
  });
});

/** Publish the records of a domain added earlier and verify it. */
async function activeTestDomainFromPending(key: string, added: AddedDomain): Promise<void> {
  publishDomainRecords(dns, added);
  const verified = await server.call("POST", `/api/v1/domains/${added.id}/verify`, { key });
  expect(verified.body.status).toBe("active");
}

describe("plus-addressing", () => {
  it("shows the tag as to_tag (toTag in the emails dialect) on the list and the message, null without one", async () => {
    const tenant = await server.createTenant("pro");
    const inbox = await addInbox(server, { key: tenant.api_key, tenantId: tenant.id }, uniqueLocal("tag"));
    const [name, domain] = inbox.address.split("@") as [string, string];
    expect(await viaMx(`${name}+shop.eu@${domain}`, "tagged")).toMatch(MX_ACCEPT);
    expect(await viaMx(inbox.address, "plain")).toMatch(MX_ACCEPT);

    const list = await server.call("GET", `/api/v1/inbox/${inbox.accountId}`, { key: tenant.api_key });
    const bySubject = Object.fromEntries(
      list.body.messages.map((m: { subject: string; to_tag: string | null; id: string }) => [m.subject, m]),
    );
    expect(bySubject.tagged.to_tag).toBe("shop.eu");
    expect(bySubject.plain.to_tag).toBeNull();
    const full = await server.call("GET", `/api/v1/messages/${bySubject.tagged.id}`, { key: tenant.api_key });
    expect(full.body).toMatchObject({ to_tag: "shop.eu", envelope: { rcpt_to: `${name}+shop.eu@${domain}` } });

    const page = await server.call("GET", `/api/v1/emails/${inbox.accountId}/messages`, { key: tenant.api_key });
    expect(page.body.data.messages.map((m: { toTag: string | null }) => m.toTag).sort()).toEqual(["shop.eu", null].sort());
    const one = await server.call("GET", `/api/v1/emails/${inbox.accountId}/messages/${bySubject.tagged.id}`, {
      key: tenant.api_key,
    });
    expect(one.body.data.toTag).toBe("shop.eu");
  });

  it("takes + in every address the send API is given (to, cc, reply_to, from)", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const domain = await activeTestDomain(server, dns, owner.key, uniqueDomain("plus"));
    const inbox = await addInbox(server, owner, uniqueLocal("in"));
    const [name, host] = inbox.address.split("@") as [string, string];
    const res = await server.call("POST", "/api/v1/send", {
      key: owner.key,
      body: {
        from: `news+weekly@${domain.domain}`,
        to: `${name}+a@${host}`,
        cc: `${name}+b@${host}`,
        reply_to: `replies+x@${domain.domain}`,
        subject: "plus everywhere",
        text: "x",
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe("sent");
    // Two RCPTs to one mailbox make one copy: the first one's tag.
    const copies = await db()
      .selectFrom("messages")
      .select(["to_tag", "rcpt_to"])
      .where("mailbox_id", "=", inbox.accountId)
      .execute();
    expect(copies).toEqual([{ to_tag: "a", rcpt_to: `${name}+a@${host}` }]);
  });

  it("refuses a mailbox whose own name contains +, in both dialects, with a message that says why; nothing created", async () => {
    const tenant = await server.createTenant("pro");
    const message = 'A mailbox name may not contain "+": it separates a tag (name+tag@domain is delivered to name@domain)';
    const viaEmails = await server.call("POST", "/api/v1/emails/create", {
      key: tenant.api_key,
      body: { email: "info+x@ig.do" },
    });
    expect(viaEmails.status).toBe(400);
    expect(viaEmails.body).toMatchObject({ success: false, code: "VALIDATION_ERROR", details: [{ path: ["email"], message }] });
    const viaAccounts = await server.call("POST", "/api/v1/accounts", {
      key: tenant.api_key,
      body: { domain: "ig.do", username: "info+x", password: PASSWORD },
    });
    expect(viaAccounts.status).toBe(400);
    expect(viaAccounts.body).toMatchObject({ code: "VALIDATION_ERROR", details: [{ path: ["username"], message }] });
    const count = await server.call("GET", "/api/v1/accounts", { key: tenant.api_key });
    expect(count.body.total).toBe(0);
  });
});

describe("a custom domain's catch-all (PATCH /api/v1/domains/{id})", () => {
  it("is set and cleared, shown on the domain, and decides where unknown addresses go", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const domain = await activeTestDomain(server, dns, owner.key, uniqueDomain("ca"));
    const box = await addInbox(server, owner, uniqueLocal("all"), domain.domain);
    const unknown = `nobody@${domain.domain}`;

    expect((await server.call("GET", `/api/v1/domains/${domain.id}`, { key: owner.key })).body.catch_all_account_id).toBeNull();
    expect(await viaMx(unknown, "before")).toMatch(MX_UNKNOWN);

    const set = await patch(`/api/v1/domains/${domain.id}`, owner.key, { catch_all_account_id: box.accountId });
    expect(set).toMatchObject({ id: domain.id, catch_all_account_id: box.accountId, status: "active" });
    const listed = await server.call("GET", "/api/v1/domains", { key: owner.key });
    expect(listed.body.domains[0].catch_all_account_id).toBe(box.accountId);
    expect(await viaMx(unknown, "during")).toMatch(MX_ACCEPT);
    expect((await copiesFor(unknown)).map((c) => [c.mailbox_id, c.subject])).toEqual([[box.accountId, "during"]]);

    const cleared = await patch(`/api/v1/domains/${domain.id}`, owner.key, { catch_all_account_id: null });
    expect(cleared.catch_all_account_id).toBeNull();
    expect(await viaMx(unknown, "after")).toMatch(MX_UNKNOWN);
    expect((await copiesFor(unknown)).map((c) => c.subject)).toEqual(["during"]);
  });

  it("refuses an unknown mailbox, one on another domain and another tenant's with 400 CATCH_ALL_INVALID; the domain unchanged", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const domain = await activeTestDomain(server, dns, owner.key, uniqueDomain("ca"));
    const current = await addInbox(server, owner, uniqueLocal("all"), domain.domain);
    await patch(`/api/v1/domains/${domain.id}`, owner.key, { catch_all_account_id: current.accountId });
    const onSystem = await addInbox(server, owner, uniqueLocal("sys"));
    const other = await server.createTenant("pro");
    const theirs = await addInbox(server, { key: other.api_key, tenantId: other.id }, uniqueLocal("their"));

    const attempts = [
      { id: "acc_00000000000000000000000000", error: "Mailbox acc_00000000000000000000000000 not found" },
      { id: theirs.accountId, error: `Mailbox ${theirs.accountId} not found` },
      {
        id: onSystem.accountId,
        error: `Mailbox ${onSystem.accountId} (${onSystem.address}) is not on ${domain.domain}: a catch-all must be a mailbox on the domain it serves`,
      },
    ];
    for (const a of attempts) {
      const res = await server.call("PATCH", `/api/v1/domains/${domain.id}`, {
        key: owner.key,
        body: { catch_all_account_id: a.id },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, code: "CATCH_ALL_INVALID", error: a.error });
    }
    const shown = await server.call("GET", `/api/v1/domains/${domain.id}`, { key: owner.key });
    expect(shown.body.catch_all_account_id).toBe(current.accountId);

    // Another tenant cannot touch the domain at all.
    const foreign = await server.call("PATCH", `/api/v1/domains/${domain.id}`, {
      key: other.api_key,
      body: { catch_all_account_id: null },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe("DOMAIN_NOT_FOUND");
    expect((await server.call("GET", `/api/v1/domains/${domain.id}`, { key: owner.key })).body.catch_all_account_id).toBe(
      current.accountId,
    );
  });

  it("goes when its mailbox is deleted; a domain with a catch-all can still be deleted with its mailboxes", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const domain = await activeTestDomain(server, dns, owner.key, uniqueDomain("ca"));
    const first = await addInbox(server, owner, uniqueLocal("all"), domain.domain);
    await patch(`/api/v1/domains/${domain.id}`, owner.key, { catch_all_account_id: first.accountId });
    expect((await server.call("DELETE", `/api/v1/accounts/${first.accountId}`, { key: owner.key })).status).toBe(200);
    expect((await server.call("GET", `/api/v1/domains/${domain.id}`, { key: owner.key })).body.catch_all_account_id).toBeNull();
    expect(await viaMx(`nobody@${domain.domain}`, "gone")).toMatch(MX_UNKNOWN);

    const second = await addInbox(server, owner, uniqueLocal("all"), domain.domain);
    await patch(`/api/v1/domains/${domain.id}`, owner.key, { catch_all_account_id: second.accountId });
    const deleted = await server.call("DELETE", `/api/v1/domains/${domain.id}?force=true`, { key: owner.key });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(await db().selectFrom("mailboxes").select("id").where("id", "=", second.accountId).executeTakeFirst()).toBeUndefined();
  });
});

describe("receiving: whether a mailbox takes mail, shown in both dialects", () => {
  it("is false on a pending domain and for a disabled mailbox, true once the domain verifies", async () => {
    const tenant = await server.createTenant("pro");
    const owner = { key: tenant.api_key, tenantId: tenant.id };
    const pending = await addTestDomain(server, owner.key, uniqueDomain("recv"));
    const box = await addInbox(server, owner, uniqueLocal("p"), pending.domain);
    const off = await addInbox(server, owner, uniqueLocal("off"));
    const disabled = await patch(`/api/v1/accounts/${off.accountId}`, owner.key, { status: "disabled" });
    expect(disabled).toMatchObject({ status: "disabled", receiving: false });

    const account = await server.call("GET", `/api/v1/accounts/${box.accountId}`, { key: owner.key });
    // status stays what the owner set; receiving says what the MX does.
    expect(account.body).toMatchObject({ status: "active", receiving: false });
    const email = await server.call("GET", `/api/v1/emails/${box.accountId}`, { key: owner.key });
    expect(email.body.data).toMatchObject({ receiving: false });
    const accounts = await server.call("GET", "/api/v1/accounts", { key: owner.key });
    expect(
      Object.fromEntries(accounts.body.accounts.map((a: { id: string; receiving: boolean }) => [a.id, a.receiving])),
    ).toEqual({
      [box.accountId]: false,
      [off.accountId]: false,
    });

    await activeTestDomainFromPending(owner.key, pending);
    expect((await server.call("GET", `/api/v1/accounts/${box.accountId}`, { key: owner.key })).body.receiving).toBe(true);
    const emails = await server.call("GET", "/api/v1/emails", { key: owner.key });
    const byId = Object.fromEntries(emails.body.data.emails.map((e: { id: string; receiving: boolean }) => [e.id, e.receiving]));
    expect(byId).toEqual({ [box.accountId]: true, [off.accountId]: false });
  });

  it("is true on a system domain from the start (create answers it in both dialects)", async () => {
    const tenant = await server.createTenant("pro");
    const created = await server.call("POST", "/api/v1/emails/create", {
      key: tenant.api_key,
      body: { email: `${uniqueLocal()}@ig.do` },
    });
    expect(created.body.data.receiving).toBe(true);
    const account = await server.call("POST", "/api/v1/accounts", {
      key: tenant.api_key,
      body: { domain: "ig.do", username: uniqueLocal(), password: PASSWORD },
    });
    expect(account.body).toMatchObject({ status: "active", receiving: true });
  });
});
