import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startTestServer, type TestServer } from "../../api/test/support/test-server.js";
import { runCli } from "./support/run-cli.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("mailroom CLI", () => {
  it("creates and lists tenants with the admin key (flags), as a table and as JSON", async () => {
    const name = `cli-${Date.now()}`;
    const created = await runCli([
      "--url",
      server.url,
      "--key",
      ADMIN_KEY,
      "--json",
      "tenants",
      "create",
      "--name",
      name,
      "--plan",
      "pro",
    ]);
    expect(created.code).toBe(0);
    const tenant = JSON.parse(created.stdout) as { id: string; plan: string; api_key: string };
    expect(tenant.plan).toBe("pro");
    expect(tenant.api_key).toMatch(/^mr_live_/);

    const table = await runCli(["tenants", "list"], { MAILROOM_URL: server.url, MAILROOM_API_KEY: ADMIN_KEY });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(tenant.id);
    expect(table.stdout).toMatch(/│ id\s+│ name\s+│ plan\s+│ created_at/);
  }, 60_000);

  it("manages keys and says who the key is", async () => {
    const tenant = await server.createTenant();
    const env = { MAILROOM_URL: server.url, MAILROOM_API_KEY: tenant.api_key };
    const who = await runCli(["whoami"], env);
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(tenant.id);

    const created = await runCli(["--json", "keys", "create", "--name", "cli-made"], env);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; api_key: string };

    const list = await runCli(["--json", "keys", "list"], env);
    const listed = JSON.parse(list.stdout) as { keys: { id: string }[] };
    expect(listed.keys.map((k) => k.id)).toContain(key.id);
    expect(list.stdout).not.toContain(key.api_key);

    const revoked = await runCli(["keys", "revoke", key.id], env);
    expect(revoked.code).toBe(0);
    const after = await server.call("GET", "/api/v1/me", { key: key.api_key });
    expect(after.status).toBe(401);
  }, 60_000);

  it("prints the server's message and exits 1 when a call fails", async () => {
    const res = await runCli(["--url", server.url, "keys", "list"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      "No API key: pass --key <key> or --key-file <file>, or set MAILROOM_API_KEY or MAILROOM_API_KEY_FILE (MISSING_API_KEY)",
    );
    const bad = await runCli(["--url", server.url, "--key", ADMIN_KEY, "tenants", "create", "--name", " "]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Invalid request data (VALIDATION_ERROR)");
    expect(bad.stderr).toContain("name: Name is required");
  }, 60_000);

  it("says so when the server cannot be reached, naming its URL", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const res = await runCli(["--url", `http://127.0.0.1:${port}`, "--key", ADMIN_KEY, "whoami"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`error: Cannot reach the Mailroom server at http://127.0.0.1:${port}: ECONNREFUSED\n`);
  }, 60_000);
});
