import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createEmail, mailboxCount, SYSTEM_DOMAINS } from "./support/mailbox-helpers.js";
import { addTestDomain, uniqueDomain, uniqueLocal } from "./support/test-domains.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS });
});
afterAll(() => server.stop());

const RESERVED = [
  "admin",
  "administrator",
  "postmaster",
  "hostmaster",
  "webmaster",
  "abuse",
  "noreply",
  "no-reply",
  "root",
  "security",
  "mailer-daemon",
];
const LENGTH_ERROR = {
  success: false,
  error: "Email prefix length must be between 4 and 64 characters",
  code: "EMAIL_PREFIX_LENGTH",
};
const RESERVED_ERROR = {
  success: false,
  error: "The provided email prefix is reserved. Please choose another one.",
  code: "EMAIL_PREFIX_RESERVED",
};
const TAKEN_ERROR = { success: false, error: "An email address with this address already exists", code: "EMAIL_ADDRESS_TAKEN" };

describe("the temp-mail-style API: POST /api/v1/emails/create", () => {
  it("creates an address with 201 and the temp-mail-style API's envelope, stored lower-case", async () => {
    const tenant = await server.createTenant();
    const local = uniqueLocal("MyEmail");
    const res = await createEmail(server, tenant.api_key, { email: `${local}@IG.DO`, tag: "个人" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      data: {
        id: expect.stringMatching(/^acc_[0-9a-z]{26}$/),
        email: `${local.toLowerCase()}@ig.do`,
        tag: "个人",
        like: false,
        pin: false,
        receiving: true,
        createdAt: expect.any(String),
        expiresAt: null,
      },
    });
    expect(new Date(res.body.data.createdAt).toISOString()).toBe(res.body.data.createdAt);
    const noTag = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` });
    expect(noTag.status).toBe(201);
    expect(noTag.body.data.tag).toBeNull();
    // The key may also come as ?key= (temp-mail-style API).
    const viaQuery = await server.call("POST", "/api/v1/emails/create", {
      key: tenant.api_key,
      keyIn: "query",
      body: { email: `${uniqueLocal()}@ig.do` },
    });
    expect(viaQuery.status).toBe(201);
    expect(await mailboxCount(server, tenant.api_key)).toBe(3);
  });

  it("rejects a malformed address with the temp-mail-style API's details, writing nothing", async () => {
    const tenant = await server.createTenant();
    for (const email of [
      "not-an-email",
      "abcd@",
      "@ig.do",
      "abcd@@ig.do",
      "ab cd@ig.do",
      "abcd@ig",
      "abcd..x@ig.do",
      ".abcd@ig.do",
      "",
      42,
    ]) {
      const res = await createEmail(server, tenant.api_key, { email });
      expect(res.status, String(email)).toBe(400);
      expect(res.body).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["email"], message: "Invalid email format" }],
      });
    }
    const missing = await createEmail(server, tenant.api_key, {});
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual([{ path: ["email"], message: "Email is required" }]);
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });

  it("enforces a 4–64 character prefix with the temp-mail-style API's message, writing nothing", async () => {
    const tenant = await server.createTenant();
    const domain = (await addTestDomain(server, tenant.api_key, uniqueDomain())).domain;
    for (const local of ["a", "abc", "a".repeat(65)]) {
      const res = await createEmail(server, tenant.api_key, { email: `${local}@${domain}` });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(LENGTH_ERROR);
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
    for (const local of ["abcd", "a".repeat(64)]) {
      const res = await createEmail(server, tenant.api_key, { email: `${local}@${domain}` });
      expect(res.status).toBe(201);
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(2);
  });

  it("refuses every reserved prefix, in any case, with the temp-mail-style API's message, writing nothing", async () => {
    const tenant = await server.createTenant("lifetime");
    const domain = (await addTestDomain(server, tenant.api_key, uniqueDomain())).domain;
    for (const prefix of [...RESERVED, "ADMIN", "PostMaster"]) {
      const res = await createEmail(server, tenant.api_key, { email: `${prefix}@${domain}` });
      expect(res.status, prefix).toBe(400);
      expect(res.body).toEqual(RESERVED_ERROR);
    }
    // Only the exact prefix is reserved.
    expect((await createEmail(server, tenant.api_key, { email: `admin2@${domain}` })).status).toBe(201);
    expect(await mailboxCount(server, tenant.api_key)).toBe(1);
  });

  it("refuses premium system domains below pro, naming the domain; pro and lifetime may use them", async () => {
    const free = await server.createTenant("free");
    for (const domain of ["kfc.sh", "uv.do", "KFC.SH"]) {
      const res = await createEmail(server, free.api_key, { email: `${uniqueLocal()}@${domain}` });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        success: false,
        error: `You don't have permission to use the domain "${domain.toLowerCase()}". Premium domains require an active Pro subscription or Lifetime plan.`,
        code: "PREMIUM_DOMAIN_REQUIRED",
      });
    }
    const viaAccounts = await createAccount(server, free.api_key, { domain: "kfc.sh", username: uniqueLocal() });
    expect(viaAccounts.status).toBe(403);
    expect(viaAccounts.body.code).toBe("PREMIUM_DOMAIN_REQUIRED");
    expect(await mailboxCount(server, free.api_key)).toBe(0);
    expect((await createEmail(server, free.api_key, { email: `${uniqueLocal()}@ig.do` })).status).toBe(201);

    for (const plan of ["pro", "lifetime"] as const) {
      const tenant = await server.createTenant(plan);
      for (const domain of ["kfc.sh", "uv.do", "ig.do"]) {
        const res = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@${domain}` });
        expect(res.status, `${plan} ${domain}`).toBe(201);
      }
    }
  });

  it("answers 409 for an existing address: any case, any tenant, either dialect; writes nothing", async () => {
    const first = await server.createTenant();
    const second = await server.createTenant();
    const local = uniqueLocal("dup");
    expect((await createEmail(server, first.api_key, { email: `${local}@ig.do` })).status).toBe(201);
    for (const [tenant, email] of [
      [first, `${local}@ig.do`],
      [first, `${local.toUpperCase()}@Ig.Do`],
      [second, `${local.toUpperCase()}@IG.DO`],
    ] as const) {
      const res = await createEmail(server, tenant.api_key, { email });
      expect(res.status).toBe(409);
      expect(res.body).toEqual(TAKEN_ERROR);
    }
    const viaAccounts = await createAccount(server, second.api_key, { domain: "ig.do", username: local.toUpperCase() });
    expect(viaAccounts.status).toBe(409);
    expect(viaAccounts.body).toEqual(TAKEN_ERROR);
    expect(await mailboxCount(server, first.api_key)).toBe(1);
    expect(await mailboxCount(server, second.api_key)).toBe(0);

    // And the other way round: an account's address is taken for the temp-mail-style API too.
    const account = await createAccount(server, second.api_key, { domain: "ig.do", username: uniqueLocal() });
    const clash = await createEmail(server, first.api_key, { email: account.body.email });
    expect(clash.status).toBe(409);
  });

  it("accepts a tag of 50 characters (CJK counted as characters) and refuses 51, writing nothing", async () => {
    const tenant = await server.createTenant();
    const ok = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do`, tag: "标".repeat(50) });
    expect(ok.status).toBe(201);
    expect(ok.body.data.tag).toBe("标".repeat(50));
    const tooLong = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do`, tag: "x".repeat(51) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({
      success: false,
      error: "Invalid request data",
      code: "VALIDATION_ERROR",
      details: [{ path: ["tag"], message: "Tag must be at most 50 characters" }],
    });
    expect(await mailboxCount(server, tenant.api_key)).toBe(1);
  });
});

describe("the temp-mail-style API: strict JSON types and NUL on create", () => {
  it("takes expiresIn as a JSON number only and refuses NUL in a tag; writes nothing", async () => {
    const tenant = await server.createTenant();
    for (const expiresIn of [true, "60"]) {
      const res = await createEmail(server, tenant.api_key, { email: `${uniqueLocal("exp")}@ig.do`, expiresIn });
      expect(res.status, String(expiresIn)).toBe(400);
      expect(res.body, String(expiresIn)).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["expiresIn"], message: "Must be a whole number of seconds" }],
      });
    }
    const tag = await createEmail(server, tenant.api_key, { email: `${uniqueLocal("tag")}@ig.do`, tag: "a\u0000" });
    expect(tag.status).toBe(400);
    expect(tag.body.details).toEqual([{ path: ["tag"], message: "Must not contain the NUL character" }]);
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });
});

describe("the temp-mail-style API: the rest of /api/v1/emails", () => {
  it("pages with page and pageSize over more than one page, pinned first then newest", async () => {
    const tenant = await server.createTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await createEmail(server, tenant.api_key, { email: `${uniqueLocal(`pg${i}`)}@ig.do` });
      ids.push(res.body.data.id);
    }
    const pinned = await server.call("PATCH", `/api/v1/emails/${ids[0]}`, { key: tenant.api_key, body: { pin: true } });
    expect(pinned.body.data.pin).toBe(true);
    const expected = [ids[0], ids[4], ids[3], ids[2], ids[1]];

    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const res = await server.call("GET", `/api/v1/emails?page=${page}&pageSize=2`, { key: tenant.api_key });
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toMatchObject({ total: 5, page, pageSize: 2, totalPages: 3 });
      expect(res.body.data.emails).toHaveLength(page === 3 ? 1 : 2);
      seen.push(...res.body.data.emails.map((e: { id: string }) => e.id));
    }
    expect(seen).toEqual(expected);
    const beyond = await server.call("GET", "/api/v1/emails?page=4&pageSize=2", { key: tenant.api_key });
    expect(beyond.body.data.emails).toEqual([]);

    const defaults = await server.call("GET", "/api/v1/emails", { key: tenant.api_key });
    expect(defaults.body.data).toMatchObject({ page: 1, pageSize: 20, total: 5, totalPages: 1 });

    const tooBig = await server.call("GET", "/api/v1/emails?pageSize=101", { key: tenant.api_key });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.details).toEqual([{ path: ["pageSize"], message: "Must be a whole number from 1 to 100" }]);
  });

  it("refuses pages that are not whole numbers and NUL in tag or search: 400 naming the field", async () => {
    const tenant = await server.createTenant();
    for (const [query, path, message] of [
      ["page=abc", "page", "Must be a whole number, at least 1"],
      ["page=0", "page", "Must be a whole number, at least 1"],
      ["pageSize=2.5", "pageSize", "Must be a whole number from 1 to 100"],
      ["tag=a%00b", "tag", "Must not contain the NUL character"],
      ["search=%00", "search", "Must not contain the NUL character"],
    ] as const) {
      const res = await server.call("GET", `/api/v1/emails?${query}`, { key: tenant.api_key });
      expect(res.status, query).toBe(400);
      expect(res.body, query).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: [path], message }],
      });
    }
  });

  it("filters by tag, like, pin and search", async () => {
    const tenant = await server.createTenant();
    const stem = uniqueLocal("flt");
    const a = await createEmail(server, tenant.api_key, { email: `${stem}a@ig.do`, tag: "work" });
    const b = await createEmail(server, tenant.api_key, { email: `${stem}b@ig.do`, tag: "home" });
    const c = await createEmail(server, tenant.api_key, { email: `other${stem}@ig.do`, tag: "work" });
    await server.call("PATCH", `/api/v1/emails/${a.body.data.id}`, { key: tenant.api_key, body: { like: true } });
    await server.call("PATCH", `/api/v1/emails/${b.body.data.id}`, { key: tenant.api_key, body: { pin: true, like: true } });

    const ids = async (query: string) => {
      const res = await server.call("GET", `/api/v1/emails?${query}`, { key: tenant.api_key });
      expect(res.status, query).toBe(200);
      return res.body.data.emails.map((e: { id: string }) => e.id).sort();
    };
    const [ia, ib, ic] = [a.body.data.id, b.body.data.id, c.body.data.id];
    expect(await ids("tag=work")).toEqual([ia, ic].sort());
    expect(await ids("like=true")).toEqual([ia, ib].sort());
    expect(await ids("like=false")).toEqual([ic]);
    expect(await ids("pin=true")).toEqual([ib]);
    expect(await ids("pin=false&tag=work&like=true")).toEqual([ia]);
    expect(await ids(`search=${stem.toUpperCase()}`)).toEqual([ia, ib, ic].sort());
    expect(await ids(`search=other${stem}`)).toEqual([ic]);
    // LIKE wildcards in a search are literal characters.
    expect(await ids("search=%25")).toEqual([]);
    expect(await ids("search=_")).toEqual([]);

    const bad = await server.call("GET", "/api/v1/emails?like=yes", { key: tenant.api_key });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toEqual(["like"]);
  });

  it("shows, updates and deletes in the envelope; then 404", async () => {
    const tenant = await server.createTenant();
    const created = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do`, tag: "个人" });
    const id = created.body.data.id;

    const shown = await server.call("GET", `/api/v1/emails/${id}`, { key: tenant.api_key });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(created.body);

    const updated = await server.call("PATCH", `/api/v1/emails/${id}`, {
      key: tenant.api_key,
      body: { tag: "work", like: true, pin: true },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ success: true, data: { ...created.body.data, tag: "work", like: true, pin: true } });

    const cleared = await server.call("PATCH", `/api/v1/emails/${id}`, { key: tenant.api_key, body: { tag: null, like: false } });
    expect(cleared.body.data).toMatchObject({ tag: null, like: false, pin: true });

    for (const like of ["false", 0, null]) {
      const badFlag = await server.call("PATCH", `/api/v1/emails/${id}`, { key: tenant.api_key, body: { like } });
      expect(badFlag.status, String(like)).toBe(400);
      expect(badFlag.body.details).toEqual([{ path: ["like"], message: "Must be true or false" }]);
    }

    const badTag = await server.call("PATCH", `/api/v1/emails/${id}`, { key: tenant.api_key, body: { tag: "y".repeat(51) } });
    expect(badTag.status).toBe(400);
    expect(badTag.body.details).toEqual([{ path: ["tag"], message: "Tag must be at most 50 characters" }]);
    const unchanged = await server.call("GET", `/api/v1/emails/${id}`, { key: tenant.api_key });
    expect(unchanged.body.data.tag).toBeNull();

    const del = await server.call("DELETE", `/api/v1/emails/${id}`, { key: tenant.api_key });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ success: true, data: { id, deleted: true } });
    for (const [method, body] of [["GET"], ["PATCH", { like: true }], ["DELETE"]] as const) {
      const gone = await server.call(method, `/api/v1/emails/${id}`, { key: tenant.api_key, body });
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ success: false, error: `Mailbox ${id} not found`, code: "MAILBOX_NOT_FOUND" });
    }
    // The address is free again.
    expect((await createEmail(server, tenant.api_key, { email: created.body.data.email })).status).toBe(201);
  });

  it("answers 404 for another tenant's address on every route, and changes nothing", async () => {
    const owner = await server.createTenant();
    const other = await server.createTenant();
    const created = await createEmail(server, owner.api_key, { email: `${uniqueLocal()}@ig.do`, tag: "mine" });
    const id = created.body.data.id;
    const attempts = [
      await server.call("GET", `/api/v1/emails/${id}`, { key: other.api_key }),
      await server.call("PATCH", `/api/v1/emails/${id}`, { key: other.api_key, body: { tag: "stolen", pin: true } }),
      await server.call("DELETE", `/api/v1/emails/${id}`, { key: other.api_key }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: `Mailbox ${id} not found`, code: "MAILBOX_NOT_FOUND" });
    }
    const theirs = await server.call("GET", "/api/v1/emails", { key: other.api_key });
    expect(theirs.body.data).toMatchObject({ emails: [], total: 0 });
    const mine = await server.call("GET", `/api/v1/emails/${id}`, { key: owner.api_key });
    expect(mine.body).toEqual(created.body);
  });
});
