import { once } from "node:events";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_KEY_PREFIX, parseConfig } from "@mailroom/contracts";
import { createLogger, migrateToLatest, openDatabase, type DatabaseHandle } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKeyPath, ensureAdminKey } from "../../../packages/core/src/keys/admin-key.js";
import { hashSecret } from "../../../packages/core/src/keys/secret-hash.js";
import { runMain } from "./support/server-process.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { ADMIN_KEY, startTestServer, type TestServer } from "./support/test-server.js";

const silent = createLogger("silent");

async function freshPglite(): Promise<DatabaseHandle> {
  const handle = await openDatabase({ pgliteDataDir: "memory://" });
  await migrateToLatest(handle.db);
  return handle;
}

describe("the admin key file: one per database, never overwritten", () => {
  const opened: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const handle of opened) await handle.close();
  });

  it("names the file after the database: admin.key for PGlite, admin-<host>-<port>-<db>.key for PostgreSQL", () => {
    expect(adminKeyPath({ dataDir: "/srv/mr", databaseUrl: undefined })).toBe("/srv/mr/admin.key");
    expect(adminKeyPath({ dataDir: "/srv/mr", databaseUrl: "postgres://u:secret@db.internal:6432/mail" })).toBe(
      "/srv/mr/admin-db.internal-6432-mail.key",
    );
    expect(adminKeyPath({ dataDir: "/srv/mr", databaseUrl: "postgresql://root@127.0.0.1/test" })).toBe(
      "/srv/mr/admin-127.0.0.1-5432-test.key",
    );
  });

  it("keeps the embedded database's key when the same data directory serves a PostgreSQL database, and back", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mailroom-keys-"));
    const [embedded, other] = [await freshPglite(), await freshPglite()];
    opened.push(embedded, other);
    const onEmbedded = { db: embedded.db, logger: silent, config: parseConfig({ MAILROOM_DATA_DIR: dataDir }) };
    const first = await ensureAdminKey(onEmbedded);
    expect(first.writtenTo).toBe(join(dataDir, "admin.key"));
    const embeddedKey = readFileSync(join(dataDir, "admin.key"), "utf8").trim();
    const written = statSync(join(dataDir, "admin.key")).mtimeMs;

    // A second database, configured by URL: its own file; the first one is untouched.
    const url = "postgres://root@127.0.0.1:5432/elsewhere";
    const onOther = { db: other.db, logger: silent, config: parseConfig({ MAILROOM_DATA_DIR: dataDir, DATABASE_URL: url }) };
    const second = await ensureAdminKey(onOther);
    expect(second.writtenTo).toBe(join(dataDir, "admin-127.0.0.1-5432-elsewhere.key"));
    expect(readFileSync(join(dataDir, "admin.key"), "utf8").trim()).toBe(embeddedKey);
    expect(statSync(join(dataDir, "admin.key")).mtimeMs).toBe(written);

    // Back on the embedded database: its key file still holds its key.
    const again = await ensureAdminKey(onEmbedded);
    expect(again).toEqual({ hash: hashSecret(embeddedKey), writtenTo: null });
  }, 180_000); // two fresh embedded databases: each is an initdb

  it("refuses to start, naming the file, when the file exists but the database has no key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mailroom-keys-"));
    const stale = `${ADMIN_KEY_PREFIX}${"x".repeat(40)}\n`;
    writeFileSync(join(dataDir, "admin.key"), stale, { mode: 0o600 });
    const reset = await freshPglite();
    opened.push(reset);
    const deps = { db: reset.db, logger: silent, config: parseConfig({ MAILROOM_DATA_DIR: dataDir }) };
    await expect(ensureAdminKey(deps)).rejects.toThrow(
      `${join(dataDir, "admin.key")} already exists, but this database has no admin key: the file holds the key of a ` +
        "database that was reset or replaced. Move the file away to have a new key generated, or set MAILROOM_ADMIN_KEY.",
    );
    expect(readFileSync(join(dataDir, "admin.key"), "utf8")).toBe(stale);
    const row = await reset.db.selectFrom("server_secrets").selectAll().execute();
    expect(row).toEqual([]);
  }, 180_000);
});

describe("an admin key that is not this server's", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("is an unknown admin key (401), not a malformed one, and changes nothing", async () => {
    const other = `${ADMIN_KEY_PREFIX}${"y".repeat(40)}`;
    const before = await server.call("GET", "/api/v1/admin/tenants", { key: ADMIN_KEY });
    const res = await server.call("POST", "/api/v1/admin/tenants", { key: other, body: { name: "never" } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      success: false,
      code: "INVALID_API_KEY",
      error:
        "Invalid or expired API key: unknown admin key (each database has its own: use the key file written for the database this server runs on, or MAILROOM_ADMIN_KEY)",
    });
    const after = await server.call("GET", "/api/v1/admin/tenants", { key: ADMIN_KEY });
    expect(JSON.stringify(after.body)).toBe(JSON.stringify(before.body));
  });
});

describe("system domains and the records warning", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MAILROOM_SYSTEM_DOMAINS: "ig.do,kfc.sh:premium", MAILROOM_HOSTNAME: "localhost" });
  });
  afterAll(() => server.stop());

  it("GET /api/v1/system-domains lists them, which are premium, and which this plan may use", async () => {
    const free = await server.createTenant("free");
    const pro = await server.createTenant("pro");
    const forFree = await server.call("GET", "/api/v1/system-domains", { key: free.api_key });
    expect(forFree.status).toBe(200);
    expect(forFree.body).toEqual({
      domains: [
        { domain: "ig.do", premium: false, available: true },
        { domain: "kfc.sh", premium: true, available: false },
      ],
    });
    const forPro = await server.call("GET", "/api/v1/system-domains", { key: pro.api_key });
    expect(forPro.body.domains.map((d: { available: boolean }) => d.available)).toEqual([true, true]);

    const anonymous = await server.call("GET", "/api/v1/system-domains");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe("MISSING_API_KEY");
    const admin = await server.call("GET", "/api/v1/system-domains", { key: ADMIN_KEY });
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("TENANT_ONLY");
  });

  it("says on a domain and its records that MAILROOM_HOSTNAME=localhost cannot be published", async () => {
    const tenant = await server.createTenant();
    const added = await server.call("POST", "/api/v1/domains", {
      key: tenant.api_key,
      body: { domain: `w${Date.now()}.example.org` },
    });
    expect(added.status).toBe(201);
    const warning =
      'MAILROOM_HOSTNAME "localhost" is not a public, fully qualified host name, so the MX, SPF and CNAME records that ' +
      "point at it cannot work; set MAILROOM_HOSTNAME to this server's public name (e.g. mail.example.com)";
    expect(added.body.dns_warning).toBe(warning);
    const dns = await server.call("GET", `/api/v1/domains/${added.body.id}/dns`, { key: tenant.api_key });
    expect(dns.body.warning).toBe(warning);
  });

  it("has no warning for a public host name", async () => {
    const publicServer = await startTestServer({ MAILROOM_HOSTNAME: "mx.mailroom.example.net" });
    try {
      const tenant = await publicServer.createTenant();
      const added = await publicServer.call("POST", "/api/v1/domains", {
        key: tenant.api_key,
        body: { domain: `p${Date.now()}.example.org` },
      });
      expect(added.body.dns_warning).toBeNull();
      const dns = await publicServer.call("GET", `/api/v1/domains/${added.body.id}/dns`, { key: tenant.api_key });
      expect(dns.body.warning).toBeNull();
    } finally {
      await publicServer.stop();
    }
  });
});

describe("the server process at start", () => {
  // On PostgreSQL the run's database; on PGlite one data directory, so only the first start pays for initdb.
  const store = testDatabaseUrl()
    ? { DATABASE_URL: testDatabaseUrl()! }
    : { MAILROOM_DATA_DIR: mkdtempSync(join(tmpdir(), "mailroom-start-")) };
  const env = { ...store, MAILROOM_ADMIN_KEY: ADMIN_KEY, MAILROOM_DELIVERY_CONCURRENCY: "0", LOG_LEVEL: "info" };

  async function runToExit(extra: Record<string, string>): Promise<{ code: number; output: string }> {
    const { child, output } = runMain({
      PORT: "0",
      SMTP_PORT: "0",
      SUBMISSION_PORT: "0",
      POP3_PORT: "0",
      POP3S_PORT: "0",
      ...env,
      ...extra,
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    const [code] = (await once(child, "exit")) as [number];
    clearTimeout(timer);
    return { code, output: output() };
  }

  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer().listen(0, "127.0.0.1");
    await once(busy, "listening");
    busyPort = (busy.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it("warns in one log line that MAILROOM_HOSTNAME=localhost cannot be published", async () => {
    // The HTTP port is taken so the process exits on its own once it has started the rest.
    const { code, output } = await runToExit({ PORT: String(busyPort) });
    expect(code).toBe(1);
    const warnings = output.split("\n").filter((l) => l.includes('"level":40') && l.includes("MAILROOM_HOSTNAME"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      hostname: "localhost",
      msg: expect.stringContaining('MAILROOM_HOSTNAME "localhost" is not a public'),
    });
  }, 120_000);

  for (const variable of ["PORT", "SMTP_PORT", "SUBMISSION_PORT", "POP3_PORT"]) {
    it(`prints one line, not a stack trace, and exits 1 when ${variable} is taken`, async () => {
      const { code, output } = await runToExit({ [variable]: String(busyPort), MAILROOM_HOSTNAME: "mx.mailroom.example.net" });
      expect(code).toBe(1);
      const line = `${variable} ${busyPort} is already in use (set ${variable} to another port)`;
      expect(output).toContain(`${line}\n`);
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain("mailroom failed to start");
    }, 120_000);
  }
});
