import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { awaitFreshWindow } from "./support/rate-windows.js";
import { ownClientAddress, rawCall, signInToken } from "./support/session-helpers.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await startReceivingServer({}, { logTo: { write: (line) => logLines.push(line) } });
});
afterAll(() => server.stop());

/** Two mailboxes of one tenant: the token is A's. */
async function twoMailboxes(): Promise<{ a: TestInbox; b: TestInbox }> {
  const a = await newInbox(server);
  const b = await addInbox(server, a);
  return { a, b };
}

async function deliver(to: string, subject: string, extra: Record<string, unknown> = {}): Promise<void> {
  await mxTransport(server.app.smtpPort).sendMail({
    from: "sender@outside.test",
    to,
    subject,
    text: `about ${subject}`,
    ...extra,
  });
}

async function tokenCount(mailboxId: string): Promise<number> {
  const rows = await server.app.core.deps.db
    .selectFrom("mailbox_tokens")
    .select("id")
    .where("mailbox_id", "=", mailboxId)
    .execute();
  return rows.length;
}

const SCOPE = { code: "MAILBOX_TOKEN_SCOPE", error: "A mailbox token reaches only its own mailbox", success: false };

describe("POST /api/v1/token", () => {
  it("signs a mailbox in: the token reads its inbox (mail over SMTP), its messages and folders, and sends as it", async () => {
    const { a, b } = await twoMailboxes();
    const signed = await signInToken(server, a.address.toUpperCase());
    expect(signed.token).toMatch(/^mr_mbx_[A-Za-z0-9]{43}$/);
    expect(signed.mailbox).toEqual({ id: a.accountId, address: a.address });
    const ttl = new Date(signed.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    const key = signed.token;

    const me = await server.call("GET", "/api/v1/me", { key });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      kind: "mailbox",
      tenant_id: a.tenantId,
      mailbox: { id: a.accountId, address: a.address },
      expires_at: signed.expires_at,
      rate_limit: { limit: 1000, window_seconds: 60 },
    });
    // Counted like a key of the tenant's plan.
    expect(me.headers.get("x-ratelimit-limit")).toBe("1000");

    await deliver(a.address, "hello token");
    const inbox = await server.call("GET", `/api/v1/inbox/${a.accountId}`, { key });
    expect(inbox.status).toBe(200);
    expect(inbox.body.messages.map((m: { subject: string }) => m.subject)).toEqual(["hello token"]);
    const id = inbox.body.messages[0].id;
    expect((await server.call("GET", `/api/v1/messages/${id}`, { key })).body.subject).toBe("hello token");
    expect((await server.call("PATCH", `/api/v1/messages/${id}`, { key, body: { seen: true } })).body.seen).toBe(true);
    const raw = await fetch(`${server.url}/api/v1/messages/${id}/raw`, { headers: { authorization: `Bearer ${key}` } });
    expect(raw.status).toBe(200);
    expect(await raw.text()).toContain("Subject: hello token");
    expect((await server.call("GET", `/api/v1/accounts/${a.accountId}/folders`, { key })).status).toBe(200);
    expect((await server.call("GET", `/api/v1/accounts/${a.accountId}`, { key })).body.email).toBe(a.address);
    expect((await server.call("GET", `/api/v1/emails/${a.accountId}/messages`, { key })).body.data.total).toBe(1);
    // The same token on /trpc.
    const trpc = await fetch(
      `${server.url}/trpc/inbox.list?input=${encodeURIComponent(JSON.stringify({ account_id: a.accountId }))}`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    expect(trpc.status).toBe(200);

    const sent = await server.call("POST", "/api/v1/send", {
      key,
      body: { from: `Me <${a.address}>`, to: b.address, subject: "from the token", text: "hi" },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    // The tenant's other mailbox got it; the token's sent list has it.
    const bInbox = await server.call("GET", `/api/v1/inbox/${b.accountId}`, { key: a.key });
    expect(bInbox.body.messages.map((m: { subject: string }) => m.subject)).toEqual(["from the token"]);
    const sentList = await server.call("GET", "/api/v1/sent", { key });
    expect(sentList.body.messages.map((m: { id: string }) => m.id)).toEqual([sent.body.message_id]);
    expect((await server.call("GET", `/api/v1/messages/${sent.body.message_id}`, { key })).status).toBe(200);
  });

  it("reaches nothing else: another mailbox, tenant routes and key routes answer 403, another mailbox's mail 404", async () => {
    const { a, b } = await twoMailboxes();
    const { token: key } = await signInToken(server, a.address);
    await deliver(b.address, "for b only");
    const bMessage = (await server.call("GET", `/api/v1/inbox/${b.accountId}`, { key: a.key })).body.messages[0].id;

    for (const [method, path] of [
      ["GET", `/api/v1/inbox/${b.accountId}`],
      ["GET", `/api/v1/inbox/${b.accountId}/wait?timeout=1`],
      ["GET", `/api/v1/accounts/${b.accountId}/folders`],
      ["GET", `/api/v1/accounts/${b.accountId}`],
      ["GET", `/api/v1/emails/${b.accountId}/messages`],
      ["GET", `/api/v1/events/stream?mailbox_id=${b.accountId}`],
      ["GET", "/api/v1/keys"],
      ["GET", "/api/v1/accounts"],
      ["GET", "/api/v1/domains"],
      ["GET", "/api/v1/webhooks"],
      ["GET", "/api/v1/admin/tenants"],
      ["DELETE", `/api/v1/accounts/${a.accountId}`],
    ] as const) {
      const res = await server.call(method, path, { key });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body, `${method} ${path}`).toEqual(SCOPE);
    }
    const created = await server.call("POST", "/api/v1/keys", { key, body: { name: "nope" } });
    expect(created.body).toEqual(SCOPE);
    expect((await server.call("GET", "/api/v1/keys", { key: a.key })).body.keys).toHaveLength(1);
    const folder = await server.call("POST", `/api/v1/accounts/${b.accountId}/folders`, { key, body: { name: "Nope" } });
    expect(folder.body).toEqual(SCOPE);
    const bFolders = (await server.call("GET", `/api/v1/accounts/${b.accountId}/folders`, { key: a.key })).body.folders;
    expect(bFolders.map((f: { name: string }) => f.name)).not.toContain("Nope");

    for (const path of [
      `/api/v1/messages/${bMessage}`,
      `/api/v1/messages/${bMessage}/raw`,
      `/api/v1/messages/${bMessage}/html`,
    ]) {
      const res = await server.call("GET", path, { key });
      expect(res.status, path).toBe(404);
      expect(res.body.code).toBe("MESSAGE_NOT_FOUND");
    }
    expect((await server.call("DELETE", `/api/v1/messages/${bMessage}`, { key })).status).toBe(404);
    expect((await server.call("GET", `/api/v1/messages/${bMessage}`, { key: a.key })).status).toBe(200);

    const trpc = await fetch(`${server.url}/trpc/keys.list`, { headers: { authorization: `Bearer ${key}` } });
    expect(trpc.status).toBe(403);
    expect(((await trpc.json()) as { error: { data: { mailroom: { code: string } } } }).error.data.mailroom.code).toBe(
      "MAILBOX_TOKEN_SCOPE",
    );
  });

  it("sends only as its own address: another from is SENDER_NOT_ALLOWED and nothing is sent", async () => {
    const { a, b } = await twoMailboxes();
    const { token: key } = await signInToken(server, a.address);
    const res = await server.call("POST", "/api/v1/send", {
      key,
      body: { from: b.address, to: a.address, subject: "spoof", text: "x" },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("SENDER_NOT_ALLOWED");
    expect((await server.call("GET", "/api/v1/sent", { key: a.key })).body.messages).toEqual([]);
  });

  it("is revoked by DELETE /token (then 401), and an API key cannot use that route", async () => {
    const { a } = await twoMailboxes();
    const { token: key } = await signInToken(server, a.address);
    const other = await signInToken(server, a.address);
    const revoked = await server.call("DELETE", "/api/v1/token", { key });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ deleted: true });
    const after = await server.call("GET", "/api/v1/me", { key });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("INVALID_API_KEY");
    expect((await server.call("GET", "/api/v1/me", { key: other.token })).status).toBe(200);
    const byKey = await server.call("DELETE", "/api/v1/token", { key: a.key });
    expect(byKey.status).toBe(403);
    expect(byKey.body.code).toBe("MAILBOX_TOKEN_ONLY");
  });

  it("dies when the password changes, the mailbox is disabled or deleted", async () => {
    const { a } = await twoMailboxes();
    const { token: key } = await signInToken(server, a.address);
    expect(
      (await server.call("PATCH", `/api/v1/accounts/${a.accountId}`, { key: a.key, body: { password: "anotherPass456" } }))
        .status,
    ).toBe(200);
    expect((await server.call("GET", "/api/v1/me", { key })).status).toBe(401);

    const fresh = await signInToken(server, a.address, "anotherPass456");
    expect((await server.call("GET", "/api/v1/me", { key: fresh.token })).status).toBe(200);
    await server.call("PATCH", `/api/v1/accounts/${a.accountId}`, { key: a.key, body: { status: "disabled" } });
    expect((await server.call("GET", "/api/v1/me", { key: fresh.token })).status).toBe(401);
    await server.call("PATCH", `/api/v1/accounts/${a.accountId}`, { key: a.key, body: { status: "active" } });
    expect((await server.call("GET", "/api/v1/me", { key: fresh.token })).status).toBe(200);

    expect((await server.call("DELETE", `/api/v1/accounts/${a.accountId}`, { key: a.key })).status).toBe(200);
    expect((await server.call("GET", "/api/v1/me", { key: fresh.token })).status).toBe(401);
    expect(await tokenCount(a.accountId)).toBe(0);
  });

  it("refuses a wrong password, an unknown address and a disabled mailbox alike (401 INVALID_CREDENTIALS), writing no token", async () => {
    const { a, b } = await twoMailboxes();
    await server.call("PATCH", `/api/v1/accounts/${b.accountId}`, { key: a.key, body: { status: "disabled" } });
    const from = ownClientAddress();
    const answers = [];
    for (const body of [
      { address: a.address, password: "wrongPass999" },
      { address: `nobody-${a.address}`, password: "securePass123" },
      { address: b.address, password: "securePass123" },
    ]) {
      const res = await rawCall(server, "POST", "/api/v1/token", { body, localAddress: from });
      expect(res.status).toBe(401);
      expect(res.headers["set-cookie"]).toBeUndefined();
      answers.push(res.body);
    }
    expect(answers).toEqual(Array(3).fill({ success: false, error: "Wrong address or password", code: "INVALID_CREDENTIALS" }));
    expect(await tokenCount(a.accountId)).toBe(0);
    expect(await tokenCount(b.accountId)).toBe(0);
    // A malformed body is still a 400, naming the field.
    const bad = await rawCall(server, "POST", "/api/v1/token", { body: { address: a.address }, localAddress: from });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: ["password"], message: "Password is required" }]);
  });

  it("is throttled with the mail protocols' failed-login count: 429 LOGIN_THROTTLED with Retry-After, even for the right password", async () => {
    const { a } = await twoMailboxes();
    await awaitFreshWindow(15);
    const from = ownClientAddress();
    for (let i = 0; i < 5; i++) {
      const res = await rawCall(server, "POST", "/api/v1/token", {
        body: { address: a.address, password: `wrong${i}xx` },
        localAddress: from,
      });
      expect(res.status).toBe(401);
    }
    const blocked = await rawCall(server, "POST", "/api/v1/token", {
      body: { address: a.address, password: "securePass123" },
      localAddress: from,
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe("LOGIN_THROTTLED");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(await tokenCount(a.accountId)).toBe(0);
    // The tRPC sign-in shares it.
    const trpc = await rawCall(server, "POST", "/trpc/session.createToken", {
      body: { address: a.address, password: "securePass123" },
      localAddress: from,
    });
    expect(trpc.status).toBe(429);

    // Per IP too: 10 failures from one client over other addresses block that client.
    const other = ownClientAddress() === from ? "127.0.0.250" : ownClientAddress();
    const { a: c } = await twoMailboxes();
    for (let i = 0; i < 10; i++) {
      await rawCall(server, "POST", "/api/v1/token", {
        body: { address: `ghost${i}-${c.address}`, password: "x" },
        localAddress: other,
      });
    }
    const ipBlocked = await rawCall(server, "POST", "/api/v1/token", {
      body: { address: c.address, password: "securePass123" },
      localAddress: other,
    });
    expect(ipBlocked.status).toBe(429);
  });
});

describe("a mailbox token's events", () => {
  it("GET /events/stream and GET /events carry only its own mailbox's events", async () => {
    const { a, b } = await twoMailboxes();
    const { token: key } = await signInToken(server, a.address);
    const { openStream, listEvents } = await import("./support/events.js");
    const stream = await openStream(server, key);
    try {
      await deliver(b.address, "not yours");
      await deliver(a.address, "yours");
      const [frame] = await stream.next(1);
      expect(frame!.event).toBe("message.received");
      expect((frame!.data.data as { mailbox_id: string; subject: string }).subject).toBe("yours");
      expect((frame!.data.data as { mailbox_id: string }).mailbox_id).toBe(a.accountId);
      expect(await stream.rest(500)).toEqual([]);
    } finally {
      await stream.close();
    }
    const tenantStream = (await listEvents(server, a.key, "?type=message.received")).length;
    expect(tenantStream).toBe(2);
    const own = await listEvents(server, key, "?type=message.received");
    expect(own.map((e) => (e.data as { subject: string }).subject)).toEqual(["yours"]);
  });
});

describe("the token's expiry", () => {
  it("ends it at expires_at (MAILROOM_MAILBOX_TOKEN_TTL_HOURS)", async () => {
    const short = await startReceivingServer({ MAILROOM_MAILBOX_TOKEN_TTL_HOURS: "0.001" });
    try {
      const a = await newInbox(short);
      const signed = await signInToken(short, a.address);
      expect(new Date(signed.expires_at).getTime() - Date.now()).toBeLessThanOrEqual(3600);
      expect((await short.call("GET", "/api/v1/me", { key: signed.token })).status).toBe(200);
      await new Promise((r) => setTimeout(r, Math.max(0, new Date(signed.expires_at).getTime() - Date.now()) + 300));
      const after = await short.call("GET", "/api/v1/me", { key: signed.token });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe("INVALID_API_KEY");
      expect(await short.app.core.maintenance.pruneMailboxTokens()).toBeGreaterThanOrEqual(1);
    } finally {
      await short.stop();
    }
  });
});

describe("logs", () => {
  it("never hold a token, a session's CSRF token or a password", async () => {
    const { a } = await twoMailboxes();
    const password = "securePass123";
    const { token } = await signInToken(server, a.address, password);
    await server.call("GET", `/api/v1/me?key=${token}`);
    await server.call("GET", `/api/v1/inbox/${a.accountId}`, { key: token });
    await server.call("GET", `/api/v1/nothing/${token}`);
    const session = await rawCall(server, "POST", "/api/v1/session", { body: { address: a.address, password } });
    const cookie = [session.headers["set-cookie"]].flat()[0]!.split(";")[0]!;
    await rawCall(server, "GET", "/api/v1/me", { headers: { cookie } });
    await rawCall(server, "POST", `/api/v1/accounts/${a.accountId}/folders`, { headers: { cookie }, body: { name: "Logged" } });
    await server.call(
      "GET",
      `/trpc/session.signIn?input=${encodeURIComponent(JSON.stringify({ address: a.address, password }))}`,
    );
    server.app.core.deps.logger.error({ cookie, csrf: session.body.csrf_token }, `failed with ${token}`);

    const all = logLines.join("\n");
    expect(logLines.some((l) => l.includes("mailbox token issued"))).toBe(true);
    for (const secret of [token, token.slice("mr_mbx_".length), cookie.split("=")[1]!, session.body.csrf_token, password]) {
      expect(all).not.toContain(secret);
    }
  });
});
