import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createEmail, mailboxCount, SYSTEM_DOMAINS } from "./support/mailbox-helpers.js";
import { getTestDatabase } from "./support/test-database.js";
import { TestDnsServer } from "./support/dns-server.js";
import { activeTestDomain, addTestDomain, uniqueDomain, uniqueLocal } from "./support/test-domains.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Rules both dialects share: domains, quotas, races, expiry, and what SMTP will call. */
let server: TestServer;
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startTestServer({
    MAILROOM_DNS_SERVERS: dns.address,
    MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS,
    MAILROOM_MAILBOX_QUOTAS: "free:3,pro:4",
    MAILROOM_RESERVED_PREFIXES: "sales,Billing",
  });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

async function mailboxRow(id: string) {
  const { db } = await getTestDatabase();
  return db.selectFrom("mailboxes").selectAll().where("id", "=", id).executeTakeFirst();
}

describe("domains a mailbox may live on", () => {
  it("accepts the tenant's own domains, pending or active, and records which", async () => {
    const tenant = await server.createTenant();
    const pending = await addTestDomain(server, tenant.api_key, uniqueDomain("pending"));
    const active = await activeTestDomain(server, dns, tenant.api_key, uniqueDomain("active"));
    const viaEmails = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@${pending.domain.toUpperCase()}` });
    expect(viaEmails.status).toBe(201);
    const viaAccounts = await createAccount(server, tenant.api_key, { domain: active.domain, username: uniqueLocal() });
    expect(viaAccounts.status).toBe(201);
    expect(await mailboxRow(viaEmails.body.data.id)).toMatchObject({ domain_id: pending.id, domain: pending.domain });
    expect(await mailboxRow(viaAccounts.body.id)).toMatchObject({ domain_id: active.id, domain: active.domain });
    const system = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` });
    expect(await mailboxRow(system.body.data.id)).toMatchObject({ domain_id: null, domain: "ig.do" });
  });

  it("answers another tenant's domain, active or pending, exactly as an unknown one (404) in both dialects, writing nothing", async () => {
    const owner = await server.createTenant();
    const other = await server.createTenant();
    const active = await activeTestDomain(server, dns, owner.api_key, uniqueDomain());
    const pending = await addTestDomain(server, owner.api_key, uniqueDomain("theirs"));
    for (const name of [active.domain, pending.domain]) {
      // The same body as for a name nobody has added: whose customer a name is stays unsaid.
      const error = { success: false, error: `Domain "${name}" not found`, code: "MAILBOX_DOMAIN_NOT_FOUND" };
      const viaEmails = await createEmail(server, other.api_key, { email: `${uniqueLocal()}@${name}` });
      expect(viaEmails.status).toBe(404);
      expect(viaEmails.body).toEqual(error);
      const viaAccounts = await createAccount(server, other.api_key, { domain: name, username: uniqueLocal() });
      expect(viaAccounts.status).toBe(404);
      expect(viaAccounts.body).toEqual(error);
    }
    expect(await mailboxCount(server, other.api_key)).toBe(0);
  });

  it("refuses a pending claim on a name someone else has verified", async () => {
    const verifiedOwner = await server.createTenant();
    const claimant = await server.createTenant();
    const name = uniqueDomain("contested");
    // The claimant's pending claim came first; the owner then verified the name.
    await addTestDomain(server, claimant.api_key, name);
    await activeTestDomain(server, dns, verifiedOwner.api_key, name);
    // The claimant knows the name (it is in its domain list): the answer its verify would give.
    const res = await createEmail(server, claimant.api_key, { email: `${uniqueLocal()}@${name}` });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ success: false, code: "DOMAIN_TAKEN", error: `${name} is already verified by another account` });
    expect(await mailboxCount(server, claimant.api_key)).toBe(0);
    expect((await createEmail(server, verifiedOwner.api_key, { email: `${uniqueLocal()}@${name}` })).status).toBe(201);
  });

  it("answers 404 naming an unknown domain in both dialects, writing nothing", async () => {
    const tenant = await server.createTenant();
    const name = uniqueDomain("nowhere");
    const error = { success: false, error: `Domain "${name}" not found`, code: "MAILBOX_DOMAIN_NOT_FOUND" };
    const viaEmails = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@${name}` });
    expect(viaEmails.status).toBe(404);
    expect(viaEmails.body).toEqual(error);
    const viaAccounts = await createAccount(server, tenant.api_key, { domain: name, username: uniqueLocal() });
    expect(viaAccounts.status).toBe(404);
    expect(viaAccounts.body).toEqual(error);
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });

  it("removes a domain's mailboxes with the domain", async () => {
    const tenant = await server.createTenant();
    const domain = await addTestDomain(server, tenant.api_key, uniqueDomain());
    const created = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@${domain.domain}` });
    const refused = await server.call("DELETE", `/api/v1/domains/${domain.id}`, { key: tenant.api_key });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      success: false,
      error: `${domain.domain} still has 1 mailbox; delete them first or pass force=true`,
      code: "DOMAIN_HAS_MAILBOXES",
    });
    expect(await mailboxRow(created.body.data.id)).toBeDefined();
    const forced = await server.call("DELETE", `/api/v1/domains/${domain.id}?force=true`, { key: tenant.api_key });
    expect(forced.status).toBe(200);
    expect(await mailboxRow(created.body.data.id)).toBeUndefined();
    const again = await createEmail(server, tenant.api_key, { email: created.body.data.email });
    expect(again.status).toBe(404);
  });

  it("uses the configured reserved prefixes instead of the defaults", async () => {
    const tenant = await server.createTenant();
    for (const email of ["sales@ig.do", "BILLING@ig.do"]) {
      const res = await createEmail(server, tenant.api_key, { email });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("The provided email prefix is reserved. Please choose another one.");
    }
    // Not in the configured list, so allowed here (on the tenant's own domain, to stay unique).
    const own = await addTestDomain(server, tenant.api_key, uniqueDomain());
    expect((await createEmail(server, tenant.api_key, { email: `admin@${own.domain}` })).status).toBe(201);
  });
});

describe("quotas", () => {
  it("refuses the mailbox over the plan's limit in both dialects, naming the limit; a delete makes room", async () => {
    const tenant = await server.createTenant("free");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res =
        i % 2 === 0
          ? (await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` })).body.data
          : (await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() })).body;
      ids.push(res.id);
    }
    const error = {
      success: false,
      error: "Mailbox limit reached: the free plan allows 3 mailboxes",
      code: "MAILBOX_QUOTA_EXCEEDED",
    };
    const viaEmails = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` });
    expect(viaEmails.status).toBe(403);
    expect(viaEmails.body).toEqual(error);
    const viaAccounts = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() });
    expect(viaAccounts.status).toBe(403);
    expect(viaAccounts.body).toEqual(error);
    expect(await mailboxCount(server, tenant.api_key)).toBe(3);

    await server.call("DELETE", `/api/v1/accounts/${ids[0]}`, { key: tenant.api_key });
    expect((await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` })).status).toBe(201);
  });

  it("applies each plan's own quota; lifetime is unlimited", async () => {
    const pro = await server.createTenant("pro");
    for (let i = 0; i < 4; i++) {
      expect((await createEmail(server, pro.api_key, { email: `${uniqueLocal()}@kfc.sh` })).status).toBe(201);
    }
    const over = await createEmail(server, pro.api_key, { email: `${uniqueLocal()}@kfc.sh` });
    expect(over.status).toBe(403);
    expect(over.body.error).toBe("Mailbox limit reached: the pro plan allows 4 mailboxes");

    const lifetime = await server.createTenant("lifetime");
    for (let i = 0; i < 6; i++) {
      expect((await createEmail(server, lifetime.api_key, { email: `${uniqueLocal()}@uv.do` })).status).toBe(201);
    }
  });

  it("holds the quota under concurrent creates", async () => {
    const tenant = await server.createTenant("free");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` })
          : createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    expect(await mailboxCount(server, tenant.api_key)).toBe(3);
  });

  it("holds the quota under many concurrent creates straight through core", async () => {
    const tenant = await server.createTenant("free");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => server.app.core.mailboxes.create(tenant.id, { address: `${uniqueLocal()}@ig.do` })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as { code?: string }).code).toBe("MAILBOX_QUOTA_EXCEEDED");
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(3);
  });

  it("lets exactly one of several concurrent creates of one address win; the rest get 409", async () => {
    const tenants = await Promise.all([server.createTenant(), server.createTenant(), server.createTenant()]);
    const local = uniqueLocal("race");
    const results = await Promise.all(
      tenants.flatMap((t, i) => [
        createEmail(server, t.api_key, { email: `${i % 2 ? local.toUpperCase() : local}@ig.do` }),
        createAccount(server, t.api_key, { domain: "IG.DO", username: local }),
      ]),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) {
      expect(r.body.error).toBe("An email address with this address already exists");
    }
    const { db } = await getTestDatabase();
    const rows = await db.selectFrom("mailboxes").select("id").where("address", "=", `${local}@ig.do`).execute();
    expect(rows).toHaveLength(1);

    // Straight through core, more at once than the pool has connections: still one winner, no 500s.
    const address = `${uniqueLocal("race")}@ig.do`;
    const direct = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => server.app.core.mailboxes.create(tenants[i % 3]!.id, { address })),
    );
    expect(direct.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of direct) {
      if (r.status === "rejected") expect((r.reason as { code?: string }).code).toBe("EMAIL_ADDRESS_TAKEN");
    }
  });
});

describe("disposable mailboxes", () => {
  it("sets expires_at from expires_in or expires_at, in both dialects", async () => {
    const tenant = await server.createTenant("lifetime");
    const before = Date.now();
    const account = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal(), expires_in: 3600 });
    expect(account.status).toBe(201);
    const at = Date.parse(account.body.expires_at);
    expect(at).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);

    const when = new Date(Date.now() + 86_400_000).toISOString();
    const email = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do`, expiresAt: when });
    expect(email.status).toBe(201);
    expect(email.body.data.expiresAt).toBe(when);
    const listed = await server.call("GET", "/api/v1/accounts", { key: tenant.api_key });
    expect(listed.body.accounts.map((a: { expires_at: string }) => a.expires_at)).toEqual([account.body.expires_at, when]);

    // PATCH: a new lifetime, then none at all.
    const longer = await server.call("PATCH", `/api/v1/emails/${email.body.data.id}`, {
      key: tenant.api_key,
      body: { expiresIn: 60 },
    });
    expect(Date.parse(longer.body.data.expiresAt)).toBeLessThan(Date.parse(when));
    const permanent = await server.call("PATCH", `/api/v1/accounts/${account.body.id}`, {
      key: tenant.api_key,
      body: { expires_at: null },
    });
    expect(permanent.body.expires_at).toBeNull();
  });

  it("refuses a past expiry at creation, and both forms at once, writing nothing", async () => {
    const tenant = await server.createTenant();
    const past = await createEmail(server, tenant.api_key, {
      email: `${uniqueLocal()}@ig.do`,
      expiresAt: "2020-01-01T00:00:00Z",
    });
    expect(past.status).toBe(400);
    expect(past.body).toEqual({ success: false, error: "The expiry must be in the future", code: "MAILBOX_EXPIRY_INVALID" });
    const both = await createAccount(server, tenant.api_key, {
      domain: "ig.do",
      username: uniqueLocal(),
      expires_in: 60,
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([{ path: ["expires_at"], message: "Give expires_in or expires_at, not both" }]);
    for (const expires_in of [0, -5, 1.5, "soon"]) {
      const bad = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal(), expires_in });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].path).toEqual(["expires_in"]);
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });

  it("stops delivering once expired, is purged by the job, and frees its address", async () => {
    const tenant = await server.createTenant();
    const created = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal(), expires_in: 3600 });
    const { id, email } = created.body;
    const core = server.app.core;
    expect((await core.mailboxes.findDeliverableMailbox(email))?.id).toBe(id);

    const past = new Date(Date.now() - 1000).toISOString();
    const expired = await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { expires_at: past } });
    expect(expired.status).toBe(200);
    expect(expired.body.expires_at).toBe(past);
    expect(await core.mailboxes.findDeliverableMailbox(email)).toBeNull();
    expect(await core.mailboxes.verifyMailboxPassword(email, "securePass123")).toBeNull();

    expect(await core.maintenance.purgeExpiredMailboxes()).toBeGreaterThanOrEqual(1);
    expect((await server.call("GET", `/api/v1/accounts/${id}`, { key: tenant.api_key })).status).toBe(404);
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
    const again = await createEmail(server, tenant.api_key, { email });
    expect(again.status).toBe(201);
  });

  it("frees an expired address at once, before the purge has run", async () => {
    const first = await server.createTenant();
    const second = await server.createTenant();
    const created = await createEmail(server, first.api_key, { email: `${uniqueLocal()}@ig.do`, expiresIn: 3600 });
    await server.call("PATCH", `/api/v1/emails/${created.body.data.id}`, {
      key: first.api_key,
      body: { expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    const taken = await createEmail(server, second.api_key, { email: created.body.data.email });
    expect(taken.status).toBe(201);
    expect((await server.call("GET", `/api/v1/emails/${created.body.data.id}`, { key: first.api_key })).status).toBe(404);
  });

  it("does not count expired mailboxes against the quota", async () => {
    const tenant = await server.createTenant("free");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` })).body.data.id);
    await server.call("PATCH", `/api/v1/emails/${ids[0]}`, {
      key: tenant.api_key,
      body: { expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect((await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` })).status).toBe(201);
  });
});

describe("what SMTP will call", () => {
  it("finds deliverable mailboxes case-insensitively; verifies passwords only for mailboxes that have one", async () => {
    const tenant = await server.createTenant();
    const core = server.app.core;
    const account = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() });
    const email = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` });

    expect((await core.mailboxes.findDeliverableMailbox(` ${account.body.email.toUpperCase()} `))?.id).toBe(account.body.id);
    expect((await core.mailboxes.findDeliverableMailbox(email.body.data.email))?.id).toBe(email.body.data.id);
    expect(await core.mailboxes.findDeliverableMailbox(`nobody-${uniqueLocal()}@ig.do`)).toBeNull();

    const ok = await core.mailboxes.verifyMailboxPassword(account.body.email, "securePass123");
    expect(ok).toMatchObject({ id: account.body.id, hasPassword: true });
    expect(JSON.stringify(ok)).not.toMatch(/scrypt|securePass123/);
    expect(await core.mailboxes.verifyMailboxPassword(account.body.email, "securePass124")).toBeNull();
    expect(await core.mailboxes.verifyMailboxPassword(email.body.data.email, "")).toBeNull();
    expect(await core.mailboxes.verifyMailboxPassword(`nobody-${uniqueLocal()}@ig.do`, "securePass123")).toBeNull();

    const row = await mailboxRow(account.body.id);
    expect(row?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect((await mailboxRow(email.body.data.id))?.password_hash).toBeNull();
  });
});
