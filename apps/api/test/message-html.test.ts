import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, mxTransport, newInbox, startReceivingServer } from "./support/receiving.js";
import { signInToken } from "./support/session-helpers.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startReceivingServer();
});
afterAll(() => server.stop());

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src data:; sandbox";
const REMOTE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https: http:; font-src data:; sandbox";
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

async function get(path: string, key: string) {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("GET /api/v1/messages/{id}/html", () => {
  it("serves the HTML under a policy that blocks scripts, forms and remote images, with cid: pointing at attachments", async () => {
    const inbox = await newInbox(server);
    const { token } = await signInToken(server, inbox.address);
    await mxTransport(server.app.smtpPort).sendMail({
      from: "news@outside.test",
      to: inbox.address,
      subject: "newsletter",
      html:
        '<p>Hi</p><img src="cid:logo@outside.test" alt="logo"><img src="https://tracker.example/p.gif">' +
        '<script>alert(1)</script><form action="https://evil.example/"><input name=q></form>',
      attachments: [{ filename: "logo.png", content: PNG, cid: "logo@outside.test", contentType: "image/png" }],
    });
    const [listed] = (await server.call("GET", `/api/v1/inbox/${inbox.accountId}`, { key: token })).body.messages;
    const detail = (await server.call("GET", `/api/v1/messages/${listed.id}`, { key: token })).body;
    const logo = detail.attachments.find((a: { filename: string }) => a.filename === "logo.png");
    expect(logo.url).toBe(`/api/v1/messages/${listed.id}/attachments/${logo.id}`);
    expect(detail.urls).toEqual({ raw: `/api/v1/messages/${listed.id}/raw`, html: `/api/v1/messages/${listed.id}/html` });
    expect(detail.auth_results).toHaveProperty("spf");

    for (const key of [token, inbox.key]) {
      const res = await get(detail.urls.html, key);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("content-security-policy")).toBe(POLICY);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.text).toContain(`<img src="attachments/${logo.id}" alt="logo">`);
      expect(res.text).not.toContain("cid:");
      // Not stripped: the policy (`sandbox`, no script-src) is what keeps it from running.
      expect(res.text).toContain("<script>alert(1)</script>");
      expect(res.text).toContain('<img src="https://tracker.example/p.gif">');
    }

    // The rewritten reference resolves, against the /html URL, to the attachment itself.
    const image = await fetch(new URL(`attachments/${logo.id}`, `${server.url}${detail.urls.html}`), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);

    const remote = await get(`${detail.urls.html}?remote_images=true`, token);
    expect(remote.headers.get("content-security-policy")).toBe(REMOTE_POLICY);
    expect((await get(`${detail.urls.html}?remote_images=false`, token)).headers.get("content-security-policy")).toBe(POLICY);
    const bad = await get(`${detail.urls.html}?remote_images=yes`, token);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).code).toBe("VALIDATION_ERROR");
    // Also under /v1, with HEAD.
    const head = await fetch(`${server.url}/v1/messages/${listed.id}/html`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-security-policy")).toBe(POLICY);
  });

  it("escapes a text-only message into a <pre>", async () => {
    const inbox = await newInbox(server);
    await mxTransport(server.app.smtpPort).sendMail({
      from: "plain@outside.test",
      to: inbox.address,
      subject: "plain",
      text: 'a <b>bold</b> & "quoted" claim',
    });
    const [listed] = (await server.call("GET", `/api/v1/inbox/${inbox.accountId}`, { key: inbox.key })).body.messages;
    const res = await get(`/api/v1/messages/${listed.id}/html`, inbox.key);
    expect(res.status).toBe(200);
    expect(res.text).toContain("<pre");
    expect(res.text).toContain("a &#60;b&#62;bold&#60;/b&#62; &#38; &#34;quoted&#34; claim");
    expect(res.text).not.toContain("<b>");
  });

  it("is 404 MESSAGE_NOT_FOUND for another mailbox's message (a token) and another tenant's (a key)", async () => {
    const a = await newInbox(server);
    const b = await addInbox(server, a);
    const stranger = await newInbox(server);
    await mxTransport(server.app.smtpPort).sendMail({ from: "x@outside.test", to: b.address, subject: "b's", html: "<p>b</p>" });
    const [listed] = (await server.call("GET", `/api/v1/inbox/${b.accountId}`, { key: a.key })).body.messages;
    const { token } = await signInToken(server, a.address);
    for (const key of [token, stranger.key]) {
      const res = await get(`/api/v1/messages/${listed.id}/html`, key);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toEqual({
        success: false,
        error: `Message ${listed.id} not found`,
        code: "MESSAGE_NOT_FOUND",
      });
    }
    expect((await get(`/api/v1/messages/${listed.id}/html`, a.key)).status).toBe(200);
  });
});
