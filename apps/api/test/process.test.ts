import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, openDatabase } from "@mailroom/core";
import { describe, expect, it } from "vitest";
import { runMain, startServerProcess } from "./support/server-process.js";
import { testDatabaseUrl } from "./support/test-database.js";
import { startTestServer } from "./support/test-server.js";

describe("the server process", () => {
  it("starts on an empty data directory with PGlite, writes the admin key once (0600), and stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mailroom-main-"));
    const server = await startServerProcess({ MAILROOM_DATA_DIR: dataDir });
    let secondExit: number | null = null;
    try {
      const keyFile = join(dataDir, "admin.key");
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const adminKey = readFileSync(keyFile, "utf8").trim();
      expect(adminKey).toMatch(/^mr_admin_[A-Za-z0-9]{40}$/);
      // The log names the file, never the key.
      expect(server.output()).toContain(keyFile);
      expect(server.output()).not.toContain(adminKey);

      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(((await me.json()) as { kind: string }).kind).toBe("admin");
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }

    // A restart keeps the data and the key, and does not write the key again.
    const before = statSync(join(dataDir, "admin.key")).mtimeMs;
    const again = await startServerProcess({ MAILROOM_DATA_DIR: dataDir });
    try {
      expect(again.output()).not.toContain("generated the admin key");
      expect(statSync(join(dataDir, "admin.key")).mtimeMs).toBe(before);
      const adminKey = readFileSync(join(dataDir, "admin.key"), "utf8").trim();
      const me = await fetch(`${again.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(me.status).toBe(200);
    } finally {
      secondExit = await again.stop("SIGINT");
    }
    expect(secondExit).toBe(0);
  }, 300_000);

  it("refuses to start on a bad setting, naming the variable", async () => {
    const { child, output } = runMain({ PORT: "not-a-port", MAILROOM_SYSTEM_DOMAINS: "ig.do:gold" });
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(78);
    expect(output()).toContain("Invalid configuration");
    expect(output()).toMatch(/PORT: /);
    expect(output()).toContain('MAILROOM_SYSTEM_DOMAINS: "ig.do:gold" is not <domain> or <domain>:premium');
  }, 180_000);
});

describe("/healthz when the database is gone", () => {
  it("answers 503", async () => {
    const url = testDatabaseUrl();
    const database = url ? await openDatabase({ databaseUrl: url, poolSize: 1 }) : await openDatabase({});
    if (!url) await migrateToLatest(database.db);
    const server = await startTestServer({}, { database });
    try {
      expect((await server.call("GET", "/healthz")).status).toBe(200);
      await database.close();
      const res = await server.call("GET", "/healthz");
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: "unavailable" });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
