import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "../../api/test/support/dns-server.js";
import { addInbox, mxTransport, startReceivingServer, type TestInbox } from "../../api/test/support/receiving.js";
import { ownClientAddress } from "../../api/test/support/session-helpers.js";
import { uniqueDomain, uniqueLocal } from "../../api/test/support/test-domains.js";
import type { TestServer } from "../../api/test/support/test-server.js";
import { ensureWebBuilt, launchBrowser, relayFrom, type TestBrowser, WEB_DIST } from "./support/browser.js";

/*
 * The console and the webmail in a real browser (Debian's chromium through playwright-core)
 * against a real server serving the built app: nothing mocked, and nothing leaves this machine.
 */

const PASSWORD = "correct-horse-battery";

let server: TestServer;
let dns: TestDnsServer;
let browser: TestBrowser;
/** The server as the browser reaches it: through a relay from a client address of this file's own. */
let relay: Awaited<ReturnType<typeof relayFrom>>;
let appUrl: string;
let tenant: { id: string; api_key: string };
/** The mailbox the console creates and the webmail signs in to. */
let address: string;
/** Another mailbox of the tenant: it sends the first message and receives the reply. */
let other: TestInbox;

beforeAll(async () => {
  await ensureWebBuilt();
  dns = await TestDnsServer.start();
  server = await startReceivingServer({ MAILROOM_WEB_DIR: WEB_DIST, MAILROOM_DNS_SERVERS: dns.address });
  tenant = await server.createTenant("free");
  other = await addInbox(server, { key: tenant.api_key, tenantId: tenant.id }, uniqueLocal("peer"));
  relay = await relayFrom(ownClientAddress(), server.app.httpPort);
  appUrl = relay.url;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await server?.stop();
  await dns?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

describe("the console", () => {
  it("signs in with an API key, adds a domain and shows its records, creates a mailbox", async () => {
    const page = await newPage();
    await page.goto(`${appUrl}/`);
    await page.getByRole("tab", { name: "Console (API key)" }).click();
    await page.getByLabel("API key", { exact: true }).fill(tenant.api_key);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.getByText("Mailroom console").waitFor();
    await page.getByTestId("rate-limit").getByText("requests / 60 s").waitFor();

    const domain = uniqueDomain("web");
    await page.getByLabel("Add a domain").fill(domain);
    await page.getByRole("button", { name: "Add domain" }).click();
    const card = page.getByRole("article", { name: `Domain ${domain}` });
    await card.getByRole("heading", { name: domain }).waitFor();
    await expect(card.getByRole("cell", { name: "MX", exact: true }).count()).resolves.toBe(1);
    await card.getByText("mx.mailroom.test").first().waitFor();
    await card.getByText("_mailroom-verify").waitFor();
    await card.getByRole("button", { name: "Zone file" }).click();
    await expect(card.getByTestId("zone-file").textContent()).resolves.toContain(
      `${domain}.\t3600\tIN\tMX\t10 mx.mailroom.test.`,
    );
    // Nothing is published on the test DNS server: every required record is reported missing.
    await card.getByRole("button", { name: "Verify now" }).click();
    await card.getByRole("columnheader", { name: "In DNS" }).waitFor();
    const checks = await card.getByTestId("record-check").allTextContents();
    expect(checks.length).toBe(6);
    expect(checks.every((c) => c.includes("missing"))).toBe(true);

    await page.getByRole("navigation", { name: "Console sections" }).getByRole("button", { name: "Mailboxes" }).click();
    const local = uniqueLocal("web");
    const form = page.getByRole("form", { name: "Create a mailbox" });
    await form.getByLabel("Name").fill(local);
    await form.getByLabel("Domain").selectOption("ig.do");
    await form.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await form.getByRole("button", { name: "Create mailbox" }).click();
    address = `${local}@ig.do`;
    await form.getByText(`Created ${address}`).waitFor();
    await page.getByTestId("mailbox-row").filter({ hasText: address }).waitFor();

    // The server agrees, through the other dialect.
    const accounts = await server.call("GET", "/api/v1/accounts?limit=100", { key: tenant.api_key });
    expect(accounts.body.accounts.map((a: { email: string }) => a.email)).toContain(address);
    await page.close();
  });

  it("shows the server's message for a bad key", async () => {
    const page = await newPage();
    await page.goto(`${appUrl}/console`);
    await page.getByLabel("API key", { exact: true }).fill("mr_live_not_a_real_key_000000000000");
    await page.getByRole("button", { name: "Open the console" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^Invalid or expired API key/);
    await page.close();
  });
});

describe("the webmail", () => {
  let page: Page;

  beforeAll(async () => {
    expect(address, "the console test creates the mailbox").toBeDefined();
    page = await newPage();
  });
  afterAll(() => page?.close());

  it("signs in with the mailbox's address and password", async () => {
    await page.goto(`${appUrl}/`);
    await page.getByLabel("Address", { exact: true }).fill(address);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("mailbox-address").getByText(address).waitFor();
    await page.getByTestId("message-list").waitFor({ state: "attached" });
    // A reload keeps the session: the cookie stays, GET /me gives the CSRF token back.
    await page.reload();
    await page.getByTestId("mailbox-address").getByText(address).waitFor();
    // New mail comes over the event stream, not by polling.
    await page.getByTestId("live").getByText("live", { exact: true }).waitFor();
  });

  const attachment = randomBytes(3000);
  const subject = `Hello ${randomBytes(3).toString("hex")}`;

  it("shows mail arriving over SMTP without a reload; its HTML runs no script and loads no remote image", async () => {
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    await mxTransport(server.app.smtpPort).sendMail({
      from: `Peer <${other.address}>`,
      to: address,
      subject,
      text: "Plain fallback. Your code is 482913.",
      html:
        "<p id=greeting>Hello from the <b>peer</b>. Your code is 482913.</p>" +
        "<img src='http://example.com/x.png' alt=remote>" +
        "<script>document.title='script ran';document.body.setAttribute('data-script','ran');" +
        "fetch('/api/v1/me?from=mail-script');parent.postMessage('ran','*')</script>",
      attachments: [{ filename: "data.bin", content: attachment, contentType: "application/octet-stream" }],
    });

    const row = page.getByTestId("message-row").filter({ hasText: subject });
    await row.waitFor({ timeout: 20_000 });
    expect(navigations, "the page did not reload").toEqual([]);
    await expect(row.getAttribute("class")).resolves.toContain("unread");

    await row.click();
    await page.getByRole("heading", { name: subject }).waitFor();
    await page.getByTestId("auth-results").getByText(/SPF: /).waitFor();
    await page.getByRole("region", { name: "Codes found in this message" }).getByText("482913").waitFor();

    const frame = page.frameLocator("[data-testid=message-html]");
    await frame.locator("#greeting").getByText("Hello from the").waitFor();
    // Give a script that would run the time to do so.
    await page.waitForTimeout(500);
    expect(await frame.locator("body").getAttribute("data-script")).toBeNull();
    expect(await page.title()).toBe("Mailroom");
    expect(browser.requested.filter((u) => u.includes("from=mail-script"))).toEqual([]);
    expect(browser.offHost.filter((u) => u.includes("example.com"))).toEqual([]);
    // Opening it read it.
    await expect.poll(() => row.getAttribute("class")).not.toContain("unread");
  });

  it("downloads an attachment byte for byte", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("region", { name: "Attachments" }).getByRole("link", { name: "data.bin" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("data.bin");
    const bytes = await readFile((await download.path())!);
    expect(bytes.equals(attachment)).toBe(true);
  });

  it("replies, and the reply arrives in the other mailbox", async () => {
    await page.getByRole("button", { name: "Reply", exact: true }).click();
    const form = page.getByRole("form", { name: "Reply" });
    await expect(form.getByLabel("To", { exact: true }).inputValue()).resolves.toBe(other.address);
    await expect(form.getByLabel("Subject").inputValue()).resolves.toBe(`Re: ${subject}`);
    await form.getByLabel("Message").press("Control+Home");
    await form.getByLabel("Message").pressSequentially("Thanks, got it.");
    await form.getByRole("button", { name: "Send" }).click();
    await form.waitFor({ state: "detached" });

    await expect
      .poll(async () => {
        const res = await server.call("GET", `/api/v1/inbox/${other.accountId}`, { key: tenant.api_key });
        return (res.body.messages as { subject: string; from: string }[]).find((m) => m.subject === `Re: ${subject}`);
      })
      .toMatchObject({ from: address });
    const inbox = await server.call("GET", `/api/v1/inbox/${other.accountId}`, { key: tenant.api_key });
    const reply = inbox.body.messages.find((m: { subject: string }) => m.subject === `Re: ${subject}`);
    const detail = await server.call("GET", `/api/v1/messages/${reply.id}`, { key: tenant.api_key });
    expect(detail.body.text).toMatch(/^Thanks, got it\./);
    expect(detail.body.text).toContain("> Plain fallback.");
  });

  it("works at phone width and from the keyboard, with a visible focus", async () => {
    await mxTransport(server.app.smtpPort).sendMail({ from: other.address, to: address, subject: "Second", text: "Two." });
    const phone = await newPage();
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${appUrl}/mail`);
      const rows = phone.getByTestId("message-row");
      await rows.filter({ hasText: "Second" }).waitFor();
      await expect(phone.getByRole("region", { name: "Reading pane" }).isVisible()).resolves.toBe(false);
      await rows.first().focus();
      await phone.keyboard.press("ArrowDown");
      await expect(rows.nth(1).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
      const outline = await rows.nth(1).evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline).not.toBe("none");
      await phone.keyboard.press("Enter");
      await phone.getByRole("button", { name: "← Back" }).waitFor();
      await expect(phone.getByRole("region", { name: /^Messages in/ }).isVisible()).resolves.toBe(false);
      await phone.keyboard.press("Escape");
      await rows.first().waitFor();
      // Nothing sticks out sideways at this width.
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await phone.close();
    }
  });

  it("signs out, and a wrong password shows the server's message", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Password", { exact: true }).waitFor();
    await page.getByLabel("Address", { exact: true }).fill(address);
    await page.getByLabel("Password", { exact: true }).fill("not-the-password");
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/session") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    expect(response.status()).toBe(401);
    const body = (await response.json()) as { error: string };
    await expect(page.getByRole("alert").textContent()).resolves.toBe(body.error);
    expect(body.error.length).toBeGreaterThan(0);
  });
});

describe("every page", () => {
  it("asked for nothing beyond this machine", () => {
    expect(browser.offHost).toEqual([]);
  });
});
