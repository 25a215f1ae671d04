import { expect } from "vitest";
import type { TestServer } from "./test-server.js";

export const SYSTEM_DOMAINS = "ig.do,kfc.sh:premium,uv.do:premium";

/** How many mailboxes the tenant has, by the hosting-style API's `total`. */
export async function mailboxCount(server: TestServer, key: string): Promise<number> {
  const res = await server.call("GET", "/api/v1/accounts?limit=1", { key });
  expect(res.status).toBe(200);
  return res.body.total;
}

export function createEmail(server: TestServer, key: string, body: Record<string, unknown>) {
  return server.call("POST", "/api/v1/emails/create", { key, body });
}

export function createAccount(server: TestServer, key: string, body: Record<string, unknown>) {
  return server.call("POST", "/api/v1/accounts", { key, body: { password: "securePass123", ...body } });
}
