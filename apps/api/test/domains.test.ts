import { createPublicKey, randomBytes } from "node:crypto";
import { domainToASCII } from "node:url";
import { ConfigError, parseConfig } from "@mailroom/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer, type ZoneRecord } from "./support/dns-server.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

const HOSTNAME = "mx.mailroom.test";

interface DnsRecord {
  type: "MX" | "TXT" | "CNAME";
  host: string;
  value: string;
  priority?: number;
}

let dns: TestDnsServer;
let server: TestServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
  // Background jobs off: the tests drive re-checks themselves, so nothing runs behind their back.
  server = await startTestServer({ MAILROOM_DNS_SERVERS: dns.address, MAILROOM_HOSTNAME: HOSTNAME }, { backgroundJobs: false });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

/** A name no other test (or test run on the same database) uses. */
function uniqueDomain(label = "d"): string {
  return `${label}-${randomBytes(4).toString("hex")}.example.test`;
}

function absolute(host: string, domain: string): string {
  return host === "@" ? domain : `${host}.${domain}`;
}

function toZone(r: DnsRecord): ZoneRecord {
  return r.type === "MX" ? { type: "MX", value: r.value, priority: r.priority ?? 10 } : { type: r.type, value: r.value };
}

/** Publish the records a domain asks for, except those `skip` says. */
function publish(domain: string, records: DnsRecord[], skip: (r: DnsRecord) => boolean = () => false): void {
  for (const r of records) if (!skip(r)) dns.add(absolute(r.host, domain), toZone(r));
}

const find = (records: DnsRecord[], host: string, type = "TXT") => records.find((r) => r.host === host && r.type === type)!;
const token = (a: { dns_records: DnsRecord[] }) => find(a.dns_records, "_mailroom-verify").value;
const isDkim = (r: DnsRecord) => r.host.endsWith("._domainkey");

/** The names a broken-record case talks about: the domain and its DKIM record's name. */
interface Names {
  d: string;
  dkim: string;
}

async function addDomain(key: string, domain = uniqueDomain()) {
  const res = await server.call("POST", "/api/v1/domains", { key, body: { domain } });
  if (res.status !== 201) throw new Error(`add domain failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; domain: string; status: string; dns_records: DnsRecord[]; created_at: string };
}

function verify(key: string, id: string, body?: unknown) {
  return server.call("POST", `/api/v1/domains/${id}/verify`, { key, ...(body === undefined ? {} : { body }) });
}

async function listAll(key: string) {
  const res = await server.call("GET", "/api/v1/domains?limit=100", { key });
  expect(res.status).toBe(200);
  return res.body as { domains: { id: string; domain: string; status: string }[]; total: number };
}

/** Make the domain's background check due now, then run the job's core function once. */
async function recheck(id: string) {
  await server.app.core.deps.db
    .updateTable("domains")
    .set({ next_check_at: new Date(Date.now() - 3_600_000) })
    .where("id", "=", id)
    .execute();
  const results = await server.app.core.domains.recheckDue();
  return results.find((r) => r.id === id);
}

describe("adding a domain", () => {
  it("answers 201 with the full record set, pending, and a fresh 2048-bit DKIM key", async () => {
    const tenant = await server.createTenant();
    const name = uniqueDomain();
    const res = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain: name } });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^dom_[0-9a-z]{26}$/);
    expect(res.body).toMatchObject({ domain: name, status: "pending_verification", verified_at: null, checked_at: null });
    expect(Date.parse(res.body.created_at)).not.toBeNaN();

    const records = res.body.dns_records as DnsRecord[];
    const dkim = records.find(isDkim)!;
    const token = find(records, "_mailroom-verify").value;
    expect(records).toEqual([
      { type: "MX", host: "@", value: HOSTNAME, priority: 10 },
      { type: "TXT", host: "@", value: `v=spf1 include:${HOSTNAME} ~all` },
      { type: "TXT", host: expect.stringMatching(/^mr\d{6}\._domainkey$/), value: expect.stringMatching(/^v=DKIM1; k=rsa; p=/) },
      { type: "TXT", host: "_dmarc", value: expect.stringMatching(/^v=DMARC1; p=none/) },
      { type: "CNAME", host: "mail", value: HOSTNAME },
      { type: "TXT", host: "_mailroom-verify", value: token },
    ]);
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    const key = createPublicKey({ key: Buffer.from(dkim.value.split("p=")[1]!, "base64"), format: "der", type: "spki" });
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const shown = await server.call("GET", `/api/v1/domains/${res.body.id}`, { key: tenant.api_key });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(res.body);
    const dnsView = await server.call("GET", `/api/v1/domains/${res.body.id}/dns`, { key: tenant.api_key });
    expect(dnsView.status).toBe(200);
    // The test's host name is under .test: the records say they cannot work as published.
    const warning = expect.stringContaining(`MAILROOM_HOSTNAME "${HOSTNAME}" is not a public, fully qualified host name`);
    expect(res.body.dns_warning).toEqual(warning);
    expect(dnsView.body).toEqual({ domain: name, records, warning });

    // A second domain gets its own key and token.
    const other = await addDomain(tenant.api_key);
    expect(other.dns_records.find(isDkim)!.value).not.toBe(dkim.value);
    expect(find(other.dns_records, "_mailroom-verify").value).not.toBe(token);
  });

  it("never shows the DKIM private key", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const row = await server.app.core.deps.db
      .selectFrom("domains")
      .select("dkim_private_key")
      .where("id", "=", added.id)
      .executeTakeFirstOrThrow();
    expect(row.dkim_private_key).toContain("PRIVATE KEY");
    const secretLine = row.dkim_private_key.split("\n")[1]!;
    const responses = [
      added,
      (await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key })).body,
      (await server.call("GET", "/api/v1/domains", { key: tenant.api_key })).body,
      (await server.call("GET", `/api/v1/domains/${added.id}/dns`, { key: tenant.api_key })).body,
      (await verify(tenant.api_key, added.id)).body,
    ];
    for (const body of responses) {
      const text = JSON.stringify(body);
      expect(text).not.toContain("PRIVATE");
      expect(text).not.toContain(secretLine);
    }
  });

  it("stores names lower-case, without a trailing dot, and IDNs as punycode", async () => {
    const tenant = await server.createTenant();
    const label = randomBytes(3).toString("hex");
    const added = await addDomain(tenant.api_key, `Bücher-${label}.Example.TEST.`);
    expect(added.domain).toBe(domainToASCII(`bücher-${label}.example.test`));
    expect(added.domain).toMatch(/^xn--/);
  });

  it.each([
    ["not a domain", "Domain may contain only letters, digits, hyphens and dots"],
    ["-x.com", "Domain labels must not start or end with a hyphen"],
    ["x-.com", "Domain labels must not start or end with a hyphen"],
    ["a..b", "Domain must not contain empty labels"],
    [`${`${"a".repeat(60)}.`.repeat(4)}example.com`, "Domain must be at most 253 characters"],
    [`${"a".repeat(64)}.com`, "Domain labels must be at most 63 characters"],
    ["localhost", "Domain must have at least two labels, like example.com"],
    ["a/b.com", "Domain may contain only letters, digits, hyphens and dots"],
    ["under_score.com", "Domain may contain only letters, digits, hyphens and dots"],
    ["1.2.3.4", "Domain must end in a top-level domain, not a number"],
    ["  ", "Domain is required"],
  ])("rejects %j with 400 and creates nothing", async (domain, message) => {
    const tenant = await server.createTenant();
    const before = await listAll(tenant.api_key);
    const res = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["domain"], message }],
    });
    expect(await listAll(tenant.api_key)).toEqual(before);
  });

  it("rejects a missing domain field with 400", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: {} });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_ERROR");
    expect(res.body.details[0].path).toEqual(["domain"]);
    expect((await listAll(tenant.api_key)).total).toBe(0);
  });

  it.each(["mailroom.localhost", "Inbox.MAILROOM.localhost"])("refuses the system domain %s with 409", async (domain) => {
    const tenant = await server.createTenant();
    const res = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      error: `${domain.toLowerCase()} is a system domain of this server and cannot be added`,
      code: "SYSTEM_DOMAIN",
    });
    expect((await listAll(tenant.api_key)).total).toBe(0);
  });

  it("refuses the same name twice for one tenant, whatever its case", async () => {
    const tenant = await server.createTenant();
    const first = await addDomain(tenant.api_key);
    for (const domain of [first.domain, first.domain.toUpperCase()]) {
      const again = await server.call("POST", "/api/v1/domains", { key: tenant.api_key, body: { domain } });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({
        success: false,
        error: `You have already added ${first.domain} (${first.id})`,
        code: "DOMAIN_EXISTS",
      });
    }
    const list = await listAll(tenant.api_key);
    expect(list.domains.map((d) => d.id)).toEqual([first.id]);
  });
});

describe("listing and deleting", () => {
  it("pages with limit and cursor, newest last, with a total", async () => {
    const tenant = await server.createTenant();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await addDomain(tenant.api_key)).id);

    const first = await server.call("GET", "/api/v1/domains?limit=2", { key: tenant.api_key });
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.domains.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next_cursor).toBe(ids[1]);
    expect(first.body.domains[0].dns_records).toHaveLength(6);

    const second = await server.call("GET", `/api/v1/domains?limit=2&cursor=${first.body.next_cursor}`, {
      key: tenant.api_key,
    });
    expect(second.body.domains.map((d: { id: string }) => d.id)).toEqual(ids.slice(2));
    expect(second.body.next_cursor).toBeNull();
    expect(second.body.total).toBe(3);

    const defaults = await server.call("GET", "/api/v1/domains", { key: tenant.api_key });
    expect(defaults.body.domains).toHaveLength(3);
  });

  it("rejects a limit over 100 with 400", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("GET", "/api/v1/domains?limit=101", { key: tenant.api_key });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_ERROR");
    expect(res.body.details[0].path).toEqual(["limit"]);
  });

  it("rejects a cursor that is not a domain id with 400 naming cursor", async () => {
    const tenant = await server.createTenant();
    for (const cursor of ["bogus", "acc_01m8t6kt1jfa0vyn9stdff5cay", "dom_x"]) {
      const res = await server.call("GET", `/api/v1/domains?cursor=${cursor}`, { key: tenant.api_key });
      expect(res.status, cursor).toBe(400);
      expect(res.body, cursor).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["cursor"], message: "Cursor is invalid" }],
      });
    }
  });

  it("deletes a domain once; afterwards it is not found", async () => {
    const tenant = await server.createTenant();
    const kept = await addDomain(tenant.api_key);
    const gone = await addDomain(tenant.api_key);
    const res = await server.call("DELETE", `/api/v1/domains/${gone.id}`, { key: tenant.api_key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: true });
    const notFound = { success: false, error: `Domain ${gone.id} not found`, code: "DOMAIN_NOT_FOUND" };
    expect(await server.call("GET", `/api/v1/domains/${gone.id}`, { key: tenant.api_key })).toMatchObject({
      status: 404,
      body: notFound,
    });
    expect(await server.call("DELETE", `/api/v1/domains/${gone.id}`, { key: tenant.api_key })).toMatchObject({
      status: 404,
      body: notFound,
    });
    expect((await listAll(tenant.api_key)).domains.map((d) => d.id)).toEqual([kept.id]);

    const forced = await server.call("DELETE", `/api/v1/domains/${kept.id}?force=true`, { key: tenant.api_key });
    expect(forced.status).toBe(200);
    expect((await listAll(tenant.api_key)).total).toBe(0);
  });

  it("rejects a force value other than true or false and deletes nothing", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const res = await server.call("DELETE", `/api/v1/domains/${added.id}?force=maybe`, { key: tenant.api_key });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_ERROR");
    expect(res.body.details[0].path).toEqual(["force"]);
    expect((await listAll(tenant.api_key)).total).toBe(1);
  });
});

describe("verification against real DNS", () => {
  it("leaves a domain with nothing published pending, saying each record is missing", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const res = await verify(tenant.api_key, added.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: added.id, domain: added.domain, status: "pending_verification" });
    expect(Date.parse(res.body.checked_at)).not.toBeNaN();
    const mx = res.body.records.find((r: DnsRecord) => r.type === "MX");
    expect(mx).toEqual({
      type: "MX",
      host: "@",
      value: HOSTNAME,
      priority: 10,
      required: true,
      found: false,
      observed: [],
      error: null,
      reason: `No MX record at ${added.domain}`,
    });
    expect(res.body.records.map((r: { required: boolean }) => r.required)).toEqual([true, true, true, false, false, true]);
    expect(res.body.records.every((r: { found: boolean; error: null }) => !r.found && r.error === null)).toBe(true);

    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body.status).toBe("pending_verification");
    expect(shown.body.checked_at).toBe(res.body.checked_at);
    expect(shown.body.verified_at).toBeNull();
  });

  it("activates a domain once every record is published", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    publish(added.domain, added.dns_records);
    // The DKIM value is longer than one TXT string: DNS serves it in chunks, which must be joined.
    expect(added.dns_records.find(isDkim)!.value.length).toBeGreaterThan(255);

    const res = await verify(tenant.api_key, added.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("active");
    for (const record of res.body.records) {
      expect(record).toMatchObject({ found: true, error: null, reason: null });
      expect(record.observed.length).toBeGreaterThan(0);
    }
    expect(res.body.records[0].observed).toEqual([`10 ${HOSTNAME}`]);

    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body.status).toBe("active");
    expect(Date.parse(shown.body.verified_at)).not.toBeNaN();
    expect(shown.body.failure_reason).toBeNull();
  });

  it("tolerates case, trailing dots, extra SPF terms and unrelated TXT records; DMARC and mail CNAME are optional", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const d = added.domain;
    publish(d, added.dns_records, (r) => r.host === "@" || r.host === "_dmarc" || r.host === "mail");
    dns.add(d, { type: "MX", value: "backup.other.test", priority: 20 });
    dns.add(d, { type: "MX", value: `${HOSTNAME.toUpperCase()}.`, priority: 5 });
    dns.add(d, { type: "TXT", value: "google-site-verification=abc" });
    dns.add(d, { type: "TXT", value: `v=spf1 ip4:192.0.2.1 include:${HOSTNAME.toUpperCase()}. -all` });

    const res = await verify(tenant.api_key, added.id);
    expect(res.body.status).toBe("active");
    const spf = res.body.records[1];
    expect(spf).toMatchObject({ found: true, observed: [`v=spf1 ip4:192.0.2.1 include:${HOSTNAME.toUpperCase()}. -all`] });
    // On the wire a name has no trailing dot; DNS keeps the case it was published in.
    expect(res.body.records[0].observed).toEqual([`5 ${HOSTNAME.toUpperCase()}`, "20 backup.other.test"]);
    const optional = res.body.records.filter((r: { required: boolean }) => !r.required);
    expect(optional.map((r: { type: string; found: boolean }) => [r.type, r.found])).toEqual([
      ["TXT", false],
      ["CNAME", false],
    ]);
  });

  const brokenCases: {
    name: string;
    index: number;
    skip: (r: DnsRecord) => boolean;
    extra?: (n: Names) => [string, ZoneRecord][];
    observed: (n: Names) => string[];
    reason: (n: Names) => string;
  }[] = [
    {
      name: "ownership TXT missing",
      index: 5,
      skip: (r) => r.host === "_mailroom-verify",
      observed: () => [],
      reason: ({ d }) => `No TXT record at _mailroom-verify.${d}`,
    },
    {
      name: "ownership TXT wrong",
      index: 5,
      skip: (r) => r.host === "_mailroom-verify",
      extra: ({ d }) => [[`_mailroom-verify.${d}`, { type: "TXT", value: "someone-elses-token" }]],
      observed: () => ["someone-elses-token"],
      reason: () => "TXT _mailroom-verify does not contain this domain's verification token",
    },
    {
      name: "MX missing",
      index: 0,
      skip: (r) => r.type === "MX",
      observed: () => [],
      reason: ({ d }) => `No MX record at ${d}`,
    },
    {
      name: "MX wrong",
      index: 0,
      skip: (r) => r.type === "MX",
      extra: ({ d }) => [[d, { type: "MX", value: "mx.elsewhere.test", priority: 10 }]],
      observed: () => ["10 mx.elsewhere.test"],
      reason: () => `MX points to 10 mx.elsewhere.test, not ${HOSTNAME}`,
    },
    {
      name: "SPF missing",
      index: 1,
      skip: (r) => r.type === "TXT" && r.host === "@",
      extra: ({ d }) => [[d, { type: "TXT", value: "unrelated=1" }]],
      observed: () => [],
      reason: ({ d }) => `No SPF record (TXT v=spf1 …) at ${d}`,
    },
    {
      name: "SPF wrong",
      index: 1,
      skip: (r) => r.type === "TXT" && r.host === "@",
      extra: ({ d }) => [[d, { type: "TXT", value: "v=spf1 include:_spf.elsewhere.test ~all" }]],
      observed: () => ["v=spf1 include:_spf.elsewhere.test ~all"],
      reason: () => `SPF record does not include include:${HOSTNAME}`,
    },
    {
      name: "SPF doubled",
      index: 1,
      skip: () => false,
      extra: ({ d }) => [[d, { type: "TXT", value: "v=spf1 -all" }]],
      observed: () => [`v=spf1 include:${HOSTNAME} ~all`, "v=spf1 -all"],
      reason: () => "More than one SPF record; merge them into one",
    },
    {
      name: "DKIM missing",
      index: 2,
      skip: isDkim,
      observed: () => [],
      reason: ({ dkim }) => `No TXT record at ${dkim}`,
    },
    {
      name: "DKIM wrong",
      index: 2,
      skip: isDkim,
      extra: ({ dkim }) => [[dkim, { type: "TXT", value: "v=DKIM1; k=rsa; p=AAAAnotthekey" }]],
      observed: () => ["v=DKIM1; k=rsa; p=AAAAnotthekey"],
      reason: () => "DKIM record does not carry this domain's public key",
    },
  ];

  it.each(brokenCases)("stays pending when $name, and says why", async (c) => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const names: Names = { d: added.domain, dkim: dkimNameOf(added) };
    publish(added.domain, added.dns_records, c.skip);
    for (const [name, record] of c.extra?.(names) ?? []) dns.add(name, record);

    const res = await verify(tenant.api_key, added.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("pending_verification");
    const broken = res.body.records[c.index];
    expect(broken).toMatchObject({
      required: true,
      found: false,
      error: null,
      observed: c.observed(names),
      reason: c.reason(names),
    });
    const others = res.body.records.filter((_: unknown, i: number) => i !== c.index);
    expect(others.every((r: { found: boolean }) => r.found)).toBe(true);
    expect(token(added)).toBeTruthy();
    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body).toMatchObject({ status: "pending_verification", verified_at: null });
  });

  it("does not require DKIM when the request says so, and remembers it", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    publish(added.domain, added.dns_records, isDkim);
    expect((await verify(tenant.api_key, added.id)).body.status).toBe("pending_verification");

    const res = await verify(tenant.api_key, added.id, { require_dkim: false });
    expect(res.body.status).toBe("active");
    expect(res.body.records[2]).toMatchObject({ required: false, found: false });
    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body).toMatchObject({ status: "active", require_dkim: false });
  });

  it("rejects a require_dkim that is not a boolean and changes nothing", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const res = await verify(tenant.api_key, added.id, { require_dkim: "nope" });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_ERROR");
    expect(res.body.details[0].path).toEqual(["require_dkim"]);
    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body).toMatchObject({ require_dkim: true, checked_at: null });
  });

  it("reports a SERVFAIL as a failed lookup, not as a missing record", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    publish(added.domain, added.dns_records);
    dns.servfail(`_mailroom-verify.${added.domain}`);

    const res = await verify(tenant.api_key, added.id);
    expect(res.body.status).toBe("pending_verification");
    expect(res.body.records[5]).toMatchObject({
      host: "_mailroom-verify",
      found: false,
      observed: [],
      error: "lookup failed: SERVFAIL",
      reason: `_mailroom-verify.${added.domain}: lookup failed: SERVFAIL`,
    });
    expect(res.body.records.filter((r: { found: boolean }) => r.found)).toHaveLength(5);
  });
});

describe("who owns a name", () => {
  it("lets pending claims coexist; the first to verify owns the name and later claims get 409", async () => {
    const [a, b, c] = [await server.createTenant(), await server.createTenant(), await server.createTenant()];
    const name = uniqueDomain("claim");
    const aDomain = await addDomain(a.api_key, name);
    const bDomain = await addDomain(b.api_key, name);
    // Both tokens published: B's records are right too, yet A verified first.
    publish(name, aDomain.dns_records);
    dns.add(`_mailroom-verify.${name}`, { type: "TXT", value: token(bDomain) });
    expect((await verify(a.api_key, aDomain.id)).body.status).toBe("active");

    const taken = { success: false, error: `${name} is already verified by another account`, code: "DOMAIN_TAKEN" };
    const bBefore = await server.call("GET", `/api/v1/domains/${bDomain.id}`, { key: b.api_key });
    const bVerify = await verify(b.api_key, bDomain.id, { require_dkim: false });
    expect(bVerify.status).toBe(409);
    expect(bVerify.body).toEqual(taken);
    expect(await server.call("GET", `/api/v1/domains/${bDomain.id}`, { key: b.api_key })).toMatchObject({
      body: bBefore.body,
    });

    const cAdd = await server.call("POST", "/api/v1/domains", { key: c.api_key, body: { domain: name } });
    expect(cAdd.status).toBe(409);
    expect(cAdd.body).toEqual(taken);
    expect((await listAll(c.api_key)).total).toBe(0);

    // With B's DKIM key published too, B's records are all right; the background check has no
    // pre-check and meets the unique index on verified names instead: B still stays pending.
    dns.add(dkimNameOf(bDomain), { type: "TXT", value: bDomain.dns_records.find(isDkim)!.value });
    expect(await recheck(bDomain.id)).toMatchObject({ to: "pending_verification" });
    const bRow = await server.app.core.deps.db
      .selectFrom("domains")
      .select("last_check")
      .where("id", "=", bDomain.id)
      .executeTakeFirstOrThrow();
    expect(bRow.last_check).toMatchObject({ note: "verified by another account" });
    expect((await server.call("GET", `/api/v1/domains/${bDomain.id}`, { key: b.api_key })).body.verified_at).toBeNull();

    // Once the owner deletes it, the name is free for the next verified claim.
    expect((await server.call("DELETE", `/api/v1/domains/${aDomain.id}`, { key: a.api_key })).status).toBe(200);
    expect((await verify(b.api_key, bDomain.id)).body.status).toBe("active");
  });

  it("answers 404, never 403, for another tenant's domain on every route", async () => {
    const owner = await server.createTenant();
    const stranger = await server.createTenant();
    const added = await addDomain(owner.api_key);
    const notFound = { success: false, error: `Domain ${added.id} not found`, code: "DOMAIN_NOT_FOUND" };
    const attempts: [string, string][] = [
      ["GET", `/api/v1/domains/${added.id}`],
      ["GET", `/api/v1/domains/${added.id}/dns`],
      ["POST", `/api/v1/domains/${added.id}/verify`],
      ["DELETE", `/api/v1/domains/${added.id}`],
      ["DELETE", `/api/v1/domains/${added.id}?force=true`],
    ];
    for (const [method, path] of attempts) {
      const res = await server.call(method, path, { key: stranger.api_key });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    expect((await listAll(stranger.api_key)).total).toBe(0);
    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: owner.api_key });
    expect(shown.body).toMatchObject({ id: added.id, status: "pending_verification", checked_at: null });

    const unknown = await server.call("GET", "/api/v1/domains/dom_nope", { key: owner.api_key });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, error: "Domain dom_nope not found", code: "DOMAIN_NOT_FOUND" });
  });

  it("is for tenants only: the admin key gets 403", async () => {
    const res = await server.call("GET", "/api/v1/domains", { key: ADMIN_KEY });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("TENANT_ONLY");
  });
});

function dkimNameOf(added: { domain: string; dns_records: DnsRecord[] }): string {
  return absolute(added.dns_records.find(isDkim)!.host, added.domain);
}

describe("background re-checks", () => {
  it("activates a pending domain once its records appear", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    expect(await recheck(added.id)).toMatchObject({ from: "pending_verification", to: "pending_verification" });
    publish(added.domain, added.dns_records);
    expect(await recheck(added.id)).toMatchObject({ from: "pending_verification", to: "active" });
    const shown = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(shown.body.status).toBe("active");
    expect(shown.body.verified_at).not.toBeNull();
  });

  it("turns an active domain failed when a record disappears, and back when it returns", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    publish(added.domain, added.dns_records);
    expect((await verify(tenant.api_key, added.id)).body.status).toBe("active");
    const verifiedAt = (await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key })).body.verified_at;

    // A SERVFAIL proves nothing: the domain stays active.
    dns.servfail(added.domain);
    expect(await recheck(added.id)).toMatchObject({ from: "active", to: "active" });
    dns.servfail(added.domain, false);

    dns.set(added.domain, "MX", []);
    expect(await recheck(added.id)).toMatchObject({ from: "active", to: "failed" });
    const failed = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(failed.body).toMatchObject({
      status: "failed",
      failure_reason: `No MX record at ${added.domain}`,
      verified_at: verifiedAt,
    });
    expect(Date.parse(failed.body.checked_at)).toBeGreaterThanOrEqual(Date.parse(verifiedAt));

    publish(
      added.domain,
      added.dns_records.filter((r) => r.type === "MX"),
    );
    expect(await recheck(added.id)).toMatchObject({ from: "failed", to: "active" });
    const back = await server.call("GET", `/api/v1/domains/${added.id}`, { key: tenant.api_key });
    expect(back.body).toMatchObject({ status: "active", failure_reason: null, verified_at: verifiedAt });
  });

  it("checks only domains that are due", async () => {
    const tenant = await server.createTenant();
    const added = await addDomain(tenant.api_key);
    const results = await server.app.core.domains.recheckDue();
    expect(results.map((r) => r.id)).not.toContain(added.id);
  });
});

describe("the API description", () => {
  it("documents the domain routes, POST /domains answering 201", async () => {
    const res = await server.call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(["/domains", "/domains/{id}", "/domains/{id}/dns", "/domains/{id}/verify"]),
    );
    expect(paths["/domains"].post.responses["201"]).toBeDefined();
    expect(paths["/domains/{id}"].delete).toBeDefined();
  });
});

describe("MAILROOM_DNS_SERVERS", () => {
  it("takes a comma-separated list of IP addresses with optional ports", () => {
    const config = parseConfig({ MAILROOM_DNS_SERVERS: "127.0.0.1:5353, 1.1.1.1,[::1]:53,::1" });
    expect(config.dnsServers).toEqual(["127.0.0.1:5353", "1.1.1.1", "[::1]:53", "::1"]);
    expect(parseConfig({}).dnsServers).toEqual([]);
  });

  it.each(["dns.google", "127.0.0.1:0", "127.0.0.1:dns", "1.2.3.4:53:1"])("rejects %j, naming the variable", (value) => {
    expect(() => parseConfig({ MAILROOM_DNS_SERVERS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ MAILROOM_DNS_SERVERS: value })).toThrow(
      `MAILROOM_DNS_SERVERS: "${value}" is not <ip> or <ip>:<port> (IPv6 as [addr]:port)`,
    );
  });
});
