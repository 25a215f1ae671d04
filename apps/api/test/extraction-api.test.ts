import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { listInbox, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

/** Deliver over SMTP to our MX; resolves with the new message's id (from the 250 reply). */
async function deliver(inbox: TestInbox, mail: { subject: string; text?: string; html?: string }) {
  const info = await mxTransport(server.app.smtpPort).sendMail({
    from: "no-reply@accounts.sender.test",
    to: inbox.address,
    ...mail,
  });
  const id = /stored as (msg_\w+)/.exec(info.response)?.[1];
  expect(id, info.response).toBeTruthy();
  return id!;
}

const verification = {
  subject: "Verify your email address",
  text: "Enter this code to verify your email address:\n\n482913\n\nOr open https://accounts.sender.test/verify?t=abc&u=7.\n\nNeed help? Write to help@sender.test.",
  html: [
    "<p>Enter this code to verify your email address:</p>",
    '<p style="font-size:28px;color:#482913"><b>482913</b></p>',
    '<p><a href="https://accounts.sender.test/verify?t=abc&amp;u=7">Verify my address</a></p>',
    '<p><a href="mailto:help@sender.test">Write to us</a></p>',
  ].join(""),
};

describe("codes and links of a received message", () => {
  it("GET /messages/{id} and the temp-mail-style message show the codes and links", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, verification);

    const res = await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key });
    expect(res.status).toBe(200);
    expect(res.body.codes).toEqual(["482913"]);
    expect(res.body.links).toEqual([{ url: "https://accounts.sender.test/verify?t=abc&u=7", text: "Verify my address" }]);

    const camel = await server.call("GET", `/api/v1/emails/${inbox.accountId}/messages/${id}`, { key: inbox.key });
    expect(camel.status).toBe(200);
    expect(camel.body.data).toMatchObject({ id, codes: ["482913"], links: res.body.links });
  });

  it("a message without a code or links shows empty lists", async () => {
    const inbox = await newInbox(server);
    const id = await deliver(inbox, { subject: "Lunch?", text: "Shall we meet at 12:30 at the usual place?" });
    const res = await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ codes: [], links: [] });
  });
});

describe("/wait?extract=code", () => {
  it("answers the first code and the message's id once the message arrives", async () => {
    const inbox = await newInbox(server);
    const subscribed = server.app.core.messages.whenWaiting(inbox.accountId);
    const waiting = server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=120&subject=verify&extract=code`, {
      key: inbox.key,
    });
    await subscribed;
    await deliver(inbox, { subject: "Your order has shipped", text: "Order 10482913 is on its way." });
    const id = await deliver(inbox, verification);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: "482913", message_id: id });
  });

  it("without extract, the wait still answers the whole message, now with its codes and links", async () => {
    const inbox = await newInbox(server);
    const since = new Date(Date.now() - 1000).toISOString();
    const id = await deliver(inbox, { subject: "Your login code", text: "Your login code is 739201." });
    const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=5&since=${encodeURIComponent(since)}`, {
      key: inbox.key,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, subject: "Your login code", codes: ["739201"], links: [] });
  });

  it("answers 422 NO_CODE_FOUND naming the message when the one that arrived holds no code; the message stays", async () => {
    const inbox = await newInbox(server);
    const since = new Date(Date.now() - 1000).toISOString();
    const id = await deliver(inbox, {
      subject: "Reset your password",
      html: '<p>Someone asked to reset your password.</p><p><a href="https://accounts.sender.test/reset?t=9f2">Choose a new password</a></p>',
    });
    const res = await server.call(
      "GET",
      `/api/v1/inbox/${inbox.accountId}/wait?timeout=5&extract=code&since=${encodeURIComponent(since)}`,
      { key: inbox.key },
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      success: false,
      error: `Message ${id} arrived but holds no one-time code`,
      code: "NO_CODE_FOUND",
    });
    // Nothing changed: the message is still there, unread, and shows its link.
    const messages = await listInbox(server, inbox);
    expect(messages.map((m) => [m.id, m.seen])).toEqual([[id, false]]);
    const message = await server.call("GET", `/api/v1/messages/${id}`, { key: inbox.key });
    expect(message.body.links).toEqual([{ url: "https://accounts.sender.test/reset?t=9f2", text: "Choose a new password" }]);
  });

  it("keeps the wait's timeout (408) and refuses an unknown extract (400, naming the field)", async () => {
    const inbox = await newInbox(server);
    const timeout = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=1&extract=code`, { key: inbox.key });
    expect(timeout.status).toBe(408);
    expect(timeout.body).toEqual({ success: false, error: "No matching message arrived within 1 second", code: "WAIT_TIMEOUT" });

    const bad = await server.call("GET", `/api/v1/inbox/${inbox.accountId}/wait?timeout=1&extract=link`, { key: inbox.key });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "VALIDATION_ERROR", details: [{ path: ["extract"], message: 'Must be "code"' }] });
    expect(await listInbox(server, inbox)).toEqual([]);
  });

  it("documents extract, the code shape and the 422 in the OpenAPI document", async () => {
    const doc = (await server.call("GET", "/api/v1/openapi.json")).body;
    const wait = doc.paths["/inbox/{account_id}/wait"].get;
    expect(wait.parameters.map((p: { name: string }) => p.name)).toContain("extract");
    expect(wait.responses["422"].description).toContain("NO_CODE_FOUND");
    expect(JSON.stringify(wait.responses["200"])).toContain("message_id");
  });
});
