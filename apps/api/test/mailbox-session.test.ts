import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { headOnly, ownClientAddress, rawCall, signInSession } from "./support/session-helpers.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startReceivingServer();
});
afterAll(() => server.stop());

async function folderNames(inbox: TestInbox): Promise<string[]> {
  const res = await server.call("GET", `/api/v1/accounts/${inbox.accountId}/folders`, { key: inbox.key });
  return res.body.folders.map((f: { name: string }) => f.name);
}

describe("browser sessions (POST /api/v1/session)", () => {
  it("sets an HttpOnly, SameSite=Strict cookie and answers the CSRF token, never the token itself", async () => {
    const a = await newInbox(server);
    const session = await signInSession(server, a.address);
    expect(session.setCookie).toMatch(
      /^mailroom_session=mr_mbx_[A-Za-z0-9]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/,
    );
    const maxAge = Number(/Max-Age=(\d+)/.exec(session.setCookie)![1]);
    expect(maxAge).toBeGreaterThan(86_300);
    expect(maxAge).toBeLessThanOrEqual(86_400);
    expect(session.setCookie).not.toContain("Secure"); // plain HTTP here
    expect(Object.keys(session.body).sort()).toEqual(["csrf_token", "expires_at", "mailbox"]);
    expect(session.body.mailbox).toEqual({ id: a.accountId, address: a.address });
    expect(session.csrf).toMatch(/^mr_csrf_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(session.body)).not.toContain(session.cookie.split("=")[1]);

    // A reloaded page has only the cookie: GET /me gives the CSRF token back.
    const me = await rawCall(server, "GET", "/api/v1/me", { headers: { cookie: session.cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: "mailbox", mailbox: { id: a.accountId }, csrf_token: session.csrf });
    // With the same token as Bearer there is no CSRF token to give.
    const bearer = await server.call("GET", "/api/v1/me", { key: session.cookie.split("=")[1]! });
    expect(bearer.body.csrf_token).toBeUndefined();
  });

  it("authenticates GETs by the cookie (REST, tRPC, bytes), within its mailbox only", async () => {
    const a = await newInbox(server);
    const b = await addInbox(server, a);
    const { cookie } = await signInSession(server, a.address);
    expect((await rawCall(server, "GET", `/api/v1/inbox/${a.accountId}`, { headers: { cookie } })).status).toBe(200);
    const trpc = await rawCall(
      server,
      "GET",
      `/trpc/folders.list?input=${encodeURIComponent(JSON.stringify({ id: a.accountId }))}`,
      {
        headers: { cookie },
      },
    );
    expect(trpc.status).toBe(200);
    const other = await rawCall(server, "GET", `/api/v1/inbox/${b.accountId}`, { headers: { cookie } });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("MAILBOX_TOKEN_SCOPE");
    // Bearer wins over the cookie.
    const both = await rawCall(server, "GET", "/api/v1/me", { headers: { cookie, authorization: `Bearer ${a.key}` } });
    expect(both.body.kind).toBe("tenant");
    // The cookie carries only a session, never an API key.
    const keyCookie = await rawCall(server, "GET", "/api/v1/me", { headers: { cookie: `mailroom_session=${a.key}` } });
    expect(keyCookie.status).toBe(401);
    expect(keyCookie.body.code).toBe("INVALID_API_KEY");
  });

  it("refuses a cookie-authenticated change without the X-CSRF-Token (403 CSRF_REJECTED, body unread, nothing changed)", async () => {
    const a = await newInbox(server);
    const { cookie, csrf } = await signInSession(server, a.address);
    const before = await folderNames(a);

    const attempts: Record<string, string>[] = [
      { cookie },
      { cookie, "x-csrf-token": `${csrf.slice(0, -1)}x` },
      { cookie, "x-csrf-token": "" },
    ];
    for (const headers of attempts) {
      const res = await rawCall(server, "POST", `/api/v1/accounts/${a.accountId}/folders`, { headers, body: { name: "Forged" } });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, error: "Missing or wrong X-CSRF-Token header", code: "CSRF_REJECTED" });
    }
    // Refused from the head alone: the body is never read.
    const unread = await headOnly(
      server,
      `POST /api/v1/accounts/${a.accountId}/folders HTTP/1.1\nHost: x\nCookie: ${cookie}\nContent-Type: application/json\nContent-Length: 1000`,
    );
    expect(unread.status).toBe(403);
    expect(JSON.parse(unread.text).code).toBe("CSRF_REJECTED");
    const trpc = await rawCall(server, "POST", "/trpc/folders.create", {
      headers: { cookie },
      body: { id: a.accountId, name: "Forged" },
    });
    expect(trpc.status).toBe(403);
    expect(trpc.body.error.data.mailroom.code).toBe("CSRF_REJECTED");
    const send = await rawCall(server, "POST", "/api/v1/send", {
      headers: { cookie },
      body: { from: a.address, to: a.address, subject: "forged", text: "x" },
    });
    expect(send.status).toBe(403);
    expect(await folderNames(a)).toEqual(before);
    expect((await server.call("GET", "/api/v1/sent", { key: a.key })).body.messages).toEqual([]);

    const made = await rawCall(server, "POST", `/api/v1/accounts/${a.accountId}/folders`, {
      headers: { cookie, "x-csrf-token": csrf },
      body: { name: "Real" },
    });
    expect(made.status).toBe(201);
    // The same token as Bearer needs no CSRF token: no browser sends it by itself.
    const bearer = await server.call("POST", `/api/v1/accounts/${a.accountId}/folders`, {
      key: cookie.split("=")[1]!,
      body: { name: "ByBearer" },
    });
    expect(bearer.status).toBe(201);
    expect(await folderNames(a)).toEqual(expect.arrayContaining(["Real", "ByBearer"]));
  });

  it("signs out with DELETE /session: the session is revoked and the cookie cleared", async () => {
    const a = await newInbox(server);
    const { cookie, csrf } = await signInSession(server, a.address);
    const forged = await rawCall(server, "DELETE", "/api/v1/session", { headers: { cookie } });
    expect(forged.status).toBe(403);
    expect((await rawCall(server, "GET", "/api/v1/me", { headers: { cookie } })).status).toBe(200);

    const out = await rawCall(server, "DELETE", "/api/v1/session", { headers: { cookie, "x-csrf-token": csrf } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ deleted: true });
    expect([out.headers["set-cookie"]].flat()[0]).toBe("mailroom_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    const after = await rawCall(server, "GET", "/api/v1/me", { headers: { cookie } });
    expect(after.status).toBe(401);
    expect((await rawCall(server, "GET", `/api/v1/inbox/${a.accountId}`, { headers: { cookie } })).status).toBe(401);
  });

  it("answers a wrong password 401 INVALID_CREDENTIALS without a cookie", async () => {
    const a = await newInbox(server);
    const res = await rawCall(server, "POST", "/api/v1/session", {
      body: { address: a.address, password: "not-the-password" },
      localAddress: ownClientAddress(),
    });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("INVALID_CREDENTIALS");
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("serves the byte routes and the event stream by the cookie", async () => {
    const a = await newInbox(server);
    const { cookie } = await signInSession(server, a.address);
    const { SseClient } = await import("./support/events.js");
    const stream = await SseClient.open(`${server.url}/api/v1/events/stream`, { cookie });
    if (!(stream instanceof SseClient)) throw new Error(`stream refused: ${JSON.stringify(stream)}`);
    expect(stream.status).toBe(200);
    await stream.close();
    const missing = await rawCall(server, "GET", "/api/v1/messages/msg_00000000000000000000000000/raw", { headers: { cookie } });
    expect(missing.status).toBe(404);
  });
});
