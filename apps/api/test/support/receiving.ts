import { createTransport } from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";
import { expect } from "vitest";
import { startTestServer, type TestServer } from "./test-server.js";
import { uniqueLocal } from "./test-domains.js";

/** The system domains the receiving tests deliver to. */
export const MX_DOMAINS = "ig.do,kfc.sh:premium";
export const MX_HOSTNAME = "mx.mailroom.test";

/** A server whose MX answers at once (no greeting pause) unless the test says otherwise. */
export function startReceivingServer(env: Record<string, string> = {}, options: Parameters<typeof startTestServer>[1] = {}) {
  return startTestServer(
    { MAILROOM_SYSTEM_DOMAINS: MX_DOMAINS, MAILROOM_HOSTNAME: MX_HOSTNAME, MAILROOM_GREET_PAUSE_MS: "0", ...env },
    options,
  );
}

export interface TestInbox {
  key: string;
  tenantId: string;
  accountId: string;
  address: string;
}

/** A new tenant with one account on ig.do, made through the API. */
export async function newInbox(server: TestServer, local = uniqueLocal("rcv")): Promise<TestInbox> {
  const tenant = await server.createTenant("free");
  return addInbox(server, { key: tenant.api_key, tenantId: tenant.id }, local);
}

/** Another account for the same tenant. */
export async function addInbox(
  server: TestServer,
  owner: { key: string; tenantId: string },
  local = uniqueLocal("rcv"),
  domain = "ig.do",
): Promise<TestInbox> {
  const res = await server.call("POST", "/api/v1/accounts", {
    key: owner.key,
    body: { domain, username: local, password: "securePass123" },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...owner, accountId: res.body.id, address: res.body.email };
}

/** nodemailer's SMTP transport to our MX: plain text on loopback, as a sending MTA would connect. */
export function mxTransport(port: number, extra: Record<string, unknown> = {}) {
  return createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, name: "sender.test", ...extra });
}

/** A message built by nodemailer's own composer, to send as raw bytes and compare byte for byte. */
export function composeMessage(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

/** The inbox, as the API lists it. */
export async function listInbox(server: TestServer, inbox: TestInbox, query = "") {
  const res = await server.call("GET", `/api/v1/inbox/${inbox.accountId}${query}`, { key: inbox.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.messages as { id: string; from: string; subject: string; date: string; seen: boolean; size: number }[];
}

/** Bytes, not JSON. */
export async function download(
  server: TestServer,
  path: string,
  key: string,
): Promise<{ status: number; headers: Record<string, string>; bytes: Buffer }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: Object.fromEntries(res.headers), bytes: Buffer.from(await res.arrayBuffer()) };
}
