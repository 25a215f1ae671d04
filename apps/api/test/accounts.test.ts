import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createEmail, mailboxCount, SYSTEM_DOMAINS } from "./support/mailbox-helpers.js";
import { uniqueLocal } from "./support/test-domains.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS });
});
afterAll(() => server.stop());

const PASSWORD = "securePass123";

describe("the hosting-style API: accounts", () => {
  it("creates an account with 201 and the hosting-style API's shape, lower-cased; shows it by id", async () => {
    const tenant = await server.createTenant();
    const username = uniqueLocal("Info");
    const res = await server.call("POST", "/api/v1/accounts", {
      key: tenant.api_key,
      body: { domain: "IG.do", username, password: PASSWORD },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^acc_[0-9a-z]{26}$/),
      email: `${username.toLowerCase()}@ig.do`,
      status: "active",
      receiving: true,
      created_at: expect.any(String),
      expires_at: null,
    });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);

    for (const base of ["/api/v1", "/v1"]) {
      const shown = await server.call("GET", `${base}/accounts/${res.body.id}`, { key: tenant.api_key });
      expect(shown.status).toBe(200);
      expect(shown.body).toEqual(res.body);
    }
  });

  it("never returns the password or its hash", async () => {
    const tenant = await server.createTenant();
    const created = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() });
    const id = created.body.id;
    const responses = [
      created,
      await server.call("GET", `/api/v1/accounts/${id}`, { key: tenant.api_key }),
      await server.call("GET", "/api/v1/accounts", { key: tenant.api_key }),
      await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { password: "another-Pass-99" } }),
      await server.call("GET", `/api/v1/emails/${id}`, { key: tenant.api_key }),
      await server.call("GET", "/api/v1/emails", { key: tenant.api_key }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200 + (res === created ? 1 : 0));
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain("another-Pass-99");
      expect(text).not.toMatch(/password|scrypt/i);
    }
  });

  it("rejects a short password, a bad username or a bad domain with field details, writing nothing", async () => {
    const tenant = await server.createTenant();
    const cases: [Record<string, unknown>, { path: string[]; message: string }][] = [
      [
        { domain: "ig.do", username: uniqueLocal(), password: "short" },
        { path: ["password"], message: "Password must be at least 8 characters" },
      ],
      [
        { domain: "ig.do", username: "bad name!", password: PASSWORD },
        { path: ["username"], message: "Invalid username format" },
      ],
      [
        { domain: "ig.do", username: "a@b.cd", password: PASSWORD },
        { path: ["username"], message: "Invalid username format" },
      ],
      [
        { domain: "not a domain", username: uniqueLocal(), password: PASSWORD },
        { path: ["domain"], message: "Invalid domain format" },
      ],
    ];
    for (const [body, detail] of cases) {
      const res = await server.call("POST", "/api/v1/accounts", { key: tenant.api_key, body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: "Invalid request data", code: "VALIDATION_ERROR", details: [detail] });
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });

  it("applies the temp-mail-style API's prefix length and reserved-prefix rules to usernames, writing nothing", async () => {
    const tenant = await server.createTenant();
    for (const username of ["abc", "a".repeat(65)]) {
      const res = await createAccount(server, tenant.api_key, { domain: "ig.do", username });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        success: false,
        error: "Email prefix length must be between 4 and 64 characters",
        code: "EMAIL_PREFIX_LENGTH",
      });
    }
    for (const username of ["postmaster", "Admin", "no-reply", "mailer-daemon"]) {
      const res = await createAccount(server, tenant.api_key, { domain: "ig.do", username });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        success: false,
        error: "The provided email prefix is reserved. Please choose another one.",
        code: "EMAIL_PREFIX_RESERVED",
      });
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
  });

  it("pages with limit and cursor over more than one page; total counts everything", async () => {
    const tenant = await server.createTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal(`p${i}`) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const path: string = `/api/v1/accounts?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await server.call("GET", path, { key: tenant.api_key });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(5);
      for (const a of page.body.accounts) {
        expect(Object.keys(a).sort()).toEqual(["email", "expires_at", "id", "receiving", "status"]);
        seen.push(a.id);
      }
      sizes.push(page.body.accounts.length);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids);

    const all = await server.call("GET", "/api/v1/accounts", { key: tenant.api_key });
    expect(all.body.accounts).toHaveLength(5);
    expect(all.body.next_cursor).toBeNull();

    const tooMany = await server.call("GET", "/api/v1/accounts?limit=101", { key: tenant.api_key });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe("VALIDATION_ERROR");
    expect(tooMany.body.details[0].path).toEqual(["limit"]);
  });

  it("refuses a cursor it did not issue and a limit that is not a number: 400 naming the field", async () => {
    const tenant = await server.createTenant();
    for (const cursor of ["bogus", "msg_01m8t6kt1jfa0vyn9stdff5cay", "acc_", "acc_01M8T6KT1JFA0VYN9STDFF5CAY"]) {
      const res = await server.call("GET", `/api/v1/accounts?cursor=${cursor}`, { key: tenant.api_key });
      expect(res.status, cursor).toBe(400);
      expect(res.body, cursor).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["cursor"], message: "Cursor is invalid" }],
      });
    }
    for (const limit of ["abc", "", "1.5", "1e400"]) {
      const res = await server.call("GET", `/api/v1/accounts?limit=${limit}`, { key: tenant.api_key });
      expect(res.status, limit).toBe(400);
      expect(res.body.details, limit).toEqual([{ path: ["limit"], message: "Must be a whole number from 1 to 100" }]);
    }
  });

  it("refuses an expiry outside the years 1970 to 2999 (year 0 was a 500, year 1 was stored as 2001), changing nothing", async () => {
    const tenant = await server.createTenant();
    const created = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal("yr") });
    expect(created.status).toBe(201);
    const message = "Must be an ISO-8601 date-time in the years 1970 to 2999";
    for (const expires_at of [
      "0000-01-01T00:00:00Z",
      "0001-01-01T00:00:00Z",
      "9999-12-31T23:59:59-14:00",
      "3000-01-01T00:00:00Z",
    ]) {
      const res = await server.call("PATCH", `/api/v1/accounts/${created.body.id}`, {
        key: tenant.api_key,
        body: { expires_at },
      });
      expect(res.status, expires_at).toBe(400);
      expect(res.body, expires_at).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["expires_at"], message }],
      });
    }
    const after = await server.call("GET", `/api/v1/accounts/${created.body.id}`, { key: tenant.api_key });
    expect(after.body.expires_at).toBeNull();
    const far = await createEmail(server, tenant.api_key, {
      email: `${uniqueLocal("yr")}@ig.do`,
      expiresAt: "9999-12-31T23:59:59-14:00",
    });
    expect(far.status).toBe(400);
    expect(far.body.details).toEqual([{ path: ["expiresAt"], message }]);
    expect(await mailboxCount(server, tenant.api_key)).toBe(1);
  });

  it('takes expires_in as a JSON number only: true or "60" is 400, and nothing is created', async () => {
    const tenant = await server.createTenant();
    for (const expires_in of [true, "60", null]) {
      const res = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal("exp"), expires_in });
      expect(res.status, String(expires_in)).toBe(400);
      expect(res.body, String(expires_in)).toEqual({
        success: false,
        error: "Invalid request data",
        code: "VALIDATION_ERROR",
        details: [{ path: ["expires_in"], message: "Must be a whole number of seconds" }],
      });
    }
    expect(await mailboxCount(server, tenant.api_key)).toBe(0);
    const ok = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal("exp"), expires_in: 60 });
    expect(ok.status).toBe(201);
  });

  it("lists mailboxes made through either dialect: one model", async () => {
    const tenant = await server.createTenant();
    const email = await createEmail(server, tenant.api_key, { email: `${uniqueLocal()}@ig.do` });
    const list = await server.call("GET", "/api/v1/accounts", { key: tenant.api_key });
    expect(list.body).toEqual({
      accounts: [{ id: email.body.data.id, email: email.body.data.email, status: "active", receiving: true, expires_at: null }],
      total: 1,
      next_cursor: null,
    });
  });

  it("changes password and status; a disabled mailbox no longer receives or signs in", async () => {
    const tenant = await server.createTenant();
    const created = await createAccount(server, tenant.api_key, { domain: "ig.do", username: uniqueLocal() });
    const { id, email } = created.body;
    const core = server.app.core;
    expect((await core.mailboxes.verifyMailboxPassword(email.toUpperCase(), PASSWORD))?.id).toBe(id);

    const passwd = await server.call("PATCH", `/api/v1/accounts/${id}`, {
      key: tenant.api_key,
      body: { password: "n3w-passphrase" },
    });
    expect(passwd.status).toBe(200);
    expect(passwd.body).toEqual(created.body);
    expect(await core.mailboxes.verifyMailboxPassword(email, PASSWORD)).toBeNull();
    expect((await core.mailboxes.verifyMailboxPassword(email, "n3w-passphrase"))?.id).toBe(id);

    const short = await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { password: "1234567" } });
    expect(short.status).toBe(400);
    expect(short.body.details).toEqual([{ path: ["password"], message: "Password must be at least 8 characters" }]);
    expect((await core.mailboxes.verifyMailboxPassword(email, "n3w-passphrase"))?.id).toBe(id);

    const disabled = await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { status: "disabled" } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe("disabled");
    expect(await core.mailboxes.findDeliverableMailbox(email)).toBeNull();
    expect(await core.mailboxes.verifyMailboxPassword(email, "n3w-passphrase")).toBeNull();

    const badStatus = await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { status: "frozen" } });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.details[0].path).toEqual(["status"]);

    const active = await server.call("PATCH", `/api/v1/accounts/${id}`, { key: tenant.api_key, body: { status: "active" } });
    expect(active.body.status).toBe("active");
    expect((await core.mailboxes.findDeliverableMailbox(email))?.id).toBe(id);
  });

  it("deletes an account: {deleted: true}, then 404, and the address is free again", async () => {
    const tenant = await server.createTenant();
    const username = uniqueLocal();
    const created = await createAccount(server, tenant.api_key, { domain: "ig.do", username });
    const del = await server.call("DELETE", `/api/v1/accounts/${created.body.id}`, { key: tenant.api_key });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ deleted: true });
    for (const method of ["GET", "DELETE"]) {
      const gone = await server.call(method, `/api/v1/accounts/${created.body.id}`, { key: tenant.api_key });
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ success: false, error: `Mailbox ${created.body.id} not found`, code: "MAILBOX_NOT_FOUND" });
    }
    const again = await createAccount(server, tenant.api_key, { domain: "ig.do", username });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.body.id);
  });

  it("answers 404 for another tenant's account on every route, and changes nothing", async () => {
    const owner = await server.createTenant();
    const other = await server.createTenant();
    const created = await createAccount(server, owner.api_key, { domain: "ig.do", username: uniqueLocal() });
    const id = created.body.id;
    const attempts = [
      await server.call("GET", `/api/v1/accounts/${id}`, { key: other.api_key }),
      await server.call("PATCH", `/api/v1/accounts/${id}`, {
        key: other.api_key,
        body: { status: "disabled", password: "hijacked!!" },
      }),
      await server.call("DELETE", `/api/v1/accounts/${id}`, { key: other.api_key }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: `Mailbox ${id} not found`, code: "MAILBOX_NOT_FOUND" });
    }
    const list = await server.call("GET", "/api/v1/accounts", { key: other.api_key });
    expect(list.body).toEqual({ accounts: [], total: 0, next_cursor: null });
    const mine = await server.call("GET", `/api/v1/accounts/${id}`, { key: owner.api_key });
    expect(mine.body).toEqual(created.body);
    expect(await server.app.core.mailboxes.verifyMailboxPassword(created.body.email, "hijacked!!")).toBeNull();
  });

  it("a malformed id is simply not found", async () => {
    const tenant = await server.createTenant();
    const res = await server.call("GET", "/api/v1/accounts/not-an-id", { key: tenant.api_key });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("MAILBOX_NOT_FOUND");
  });
});

describe("the OpenAPI document", () => {
  it("describes both dialects, with 201 for the creates", async () => {
    const res = await server.call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths["/accounts"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/accounts/{id}"]).sort()).toEqual(["delete", "get", "patch"]);
    expect(Object.keys(paths["/emails/create"])).toEqual(["post"]);
    expect(Object.keys(paths["/emails"])).toEqual(["get"]);
    expect(Object.keys(paths["/emails/{id}"]).sort()).toEqual(["delete", "get", "patch"]);
    expect(paths["/accounts"].post.responses["201"]).toBeDefined();
    expect(paths["/emails/create"].post.responses["201"]).toBeDefined();
    // Validity of the whole document (these routes included) is checked in openapi.test.ts.
  });
});
