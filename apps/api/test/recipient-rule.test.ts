import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { SmtpSession } from "./support/smtp-session.js";
import { TestDnsServer } from "./support/dns-server.js";
import { activeTestDomain, addTestDomain, uniqueDomain, uniqueLocal, type AddedDomain } from "./support/test-domains.js";
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
      expect(await session.data(`Subject: ${subject}\r\nFrom: someone@sender.test\r\nTo: ${address}\r\n\r\nhi\r\n`)).toMatch(/^250 /);
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
    { name: "system domain, +tag", address: () => `${local(onSystem)}+news@ig.do`, outcome: "mailbox", into: () => onSystem, tag: "news" },
    { name: "system domain, unknown local part", address: () => `nobody-${uniqueLocal()}@ig.do`, outcome: "unknown" },
    { name: "active custom domain, mailbox", address: () => onActive.address, outcome: "mailbox", into: () => onActive, tag: null },
    { name: "active custom domain, +tag, any case", address: () => `${local(onActive)}+Orders@${active.domain}`.toUpperCase(), outcome: "mailbox", into: () => onActive, tag: "orders" },
    { name: "active custom domain, unknown local part, no catch-all", address: () => `nobody@${active.domain}`, outcome: "unknown" },
    { name: "unknown local part → the catch-all", address: () => `nobody-${uniqueLocal()}@${withCatchAll.domain}`, outcome: "mailbox", into: () => catchAll, tag: null },
    { name: "unknown local part with +tag → the catch-all, tag kept", address: () => `sales+q4@${withCatchAll.domain}`, outcome: "mailbox", into: () => catchAll, tag: "q4" },
    { name: "disabled mailbox on a catch-all domain still refuses", address: () => disabledOnCatchAll.address, outcome: "unknown", untouched: () => catchAll },
    { name: "pending custom domain", address: () => onPending.address, outcome: "foreign", untouched: () => onPending },
    { name: "failed custom domain", address: () => onFailed.address, outcome: "foreign", untouched: () => onFailed },
    { name: "expired mailbox", address: () => expired.address, outcome: "unknown", untouched: () => expired },
    { name: "disabled mailbox", address: () => disabled.address, outcome: "unknown", untouched: () => disabled },
    { name: "another tenant's mailbox on its active domain", address: () => othersMailbox.address, outcome: "mailbox", into: () => othersMailbox, tag: null },
    { name: "a mailbox of another tenant's claim on a name verified by someone else", address: () => `info@${contested}`, outcome: "unknown", untouched: () => claimantsMailbox },
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
        const inbox = await db().selectFrom("messages").select("subject").where("mailbox_id", "=", c.untouched().accountId).execute();
        expect(inbox.filter((m) => m.subject.startsWith(marker))).toEqual([]);
      }
      if (c.outcome === "unknown") {
        expect(mx).toMatch(MX_UNKNOWN);
        for (const d of [api, sub]) {
          expect(d).toMatchObject({ recipient: normalised, status: "bounced", hosted: false, last_response: "550 5.1.1 No such mailbox here" });
        }
      } else {
        expect(mx).toMatch(MX_RELAY);
        // Not a domain we receive for: it goes out like any remote address (queued for the worker).
        for (const d of [api, sub]) expect(d).toMatchObject({ recipient: normalised, status: "queued", hosted: false });
      }
    });
  }
});
