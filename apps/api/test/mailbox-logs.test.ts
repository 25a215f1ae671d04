import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_DOMAINS } from "./support/mailbox-helpers.js";
import { uniqueLocal } from "./support/test-domains.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Everything the server logs at the chattiest level, to prove passwords never reach it. */
const lines: string[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { MAILROOM_SYSTEM_DOMAINS: SYSTEM_DOMAINS, LOG_LEVEL: "trace" },
    { logTo: { write: (line: string) => void lines.push(line) } },
  );
});
afterAll(() => server.stop());

it("never logs a mailbox password, on success or failure", async () => {
  const tenant = await server.createTenant();
  const secrets = ["first-Secret-1", "second-Secret-2", "unknown-Secret-3", "short7!"];
  const created = await server.call("POST", "/api/v1/accounts", {
    key: tenant.api_key,
    body: { domain: "ig.do", username: uniqueLocal(), password: secrets[0] },
  });
  expect(created.status).toBe(201);
  await server.call("PATCH", `/api/v1/accounts/${created.body.id}`, { key: tenant.api_key, body: { password: secrets[1] } });
  const unknown = await server.call("POST", "/api/v1/accounts", {
    key: tenant.api_key,
    body: { domain: "nowhere.test", username: uniqueLocal(), password: secrets[2] },
  });
  expect(unknown.status).toBe(404);
  const short = await server.call("POST", "/api/v1/accounts", {
    key: tenant.api_key,
    body: { domain: "ig.do", username: uniqueLocal(), password: secrets[3] },
  });
  expect(short.status).toBe(400);

  const log = lines.join("");
  expect(log).toContain("mailbox created");
  expect(log).toContain("mailbox updated");
  for (const secret of secrets) expect(log).not.toContain(secret);
  expect(log).not.toContain("scrypt$");
});
