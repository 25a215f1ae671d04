import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_APP_CSP } from "../src/http/web-app.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** A built app's shape: index.html and a hashed asset, plus a secret beside the folder. */
function fixtureApp(): string {
  const root = mkdtempSync(join(tmpdir(), "mailroom-web-"));
  writeFileSync(join(root, "secret.txt"), "outside the web folder");
  const dist = join(root, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(dist, "assets", "index-abc123.css"), "body{}");
  writeFileSync(join(dist, "favicon.svg"), "<svg/>");
  return dist;
}

/** A request exactly as written: fetch would normalise `..` and encoded dots away before sending. */
function rawGet(
  url: string,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the web app at /", () => {
  let server: TestServer;
  let dist: string;

  beforeAll(async () => {
    dist = fixtureApp();
    server = await startTestServer({ MAILROOM_WEB_DIR: dist });
  });
  afterAll(() => server.stop());

  it("serves index.html for / and for the app's own routes, never cached, with the CSP", async () => {
    for (const path of ["/", "/mail", "/console/domains", "/index.html"]) {
      const res = await rawGet(server.url, path);
      expect(res.status, path).toBe(200);
      expect(res.body).toContain("/assets/index-abc123.js");
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-security-policy"]).toBe(WEB_APP_CSP);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
    }
    expect(WEB_APP_CSP).toContain("script-src 'self';");
    expect(WEB_APP_CSP).toContain("frame-ancestors 'none'");
  });

  it("serves hashed assets with their type and a long cache; HEAD without a body", async () => {
    const js = await rawGet(server.url, "/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.body).toBe("console.log(1)");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const css = await rawGet(server.url, "/assets/index-abc123.css");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    const svg = await rawGet(server.url, "/favicon.svg");
    expect(svg.headers["content-type"]).toBe("image/svg+xml");
    expect(svg.headers["cache-control"]).toBe("no-cache");
    const head = await rawGet(server.url, "/assets/index-abc123.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String("console.log(1)".length));
  });

  it("answers a missing file with a JSON 404, not the app", async () => {
    const res = await rawGet(server.url, "/assets/missing-123.js");
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: "ROUTE_NOT_FOUND" });
  });

  it("never leaves its folder", async () => {
    for (const path of [
      "/..%2f..%2fetc/passwd",
      "/..%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/../secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/%2e%2e%5csecret.txt",
      "/assets/%00.js",
      "/assets/%zz.js",
      "/.hidden.txt",
      "/etc/passwd.txt",
    ]) {
      const res = await rawGet(server.url, path);
      expect(res.body, path).not.toContain("outside the web folder");
      expect([404, 200], path).toContain(res.status);
      if (res.status === 200) expect(res.body, path).toContain("/assets/index-abc123.js");
    }
    for (const path of ["/..%2f..%2fetc/passwd", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/..%5csecret.txt"]) {
      expect((await rawGet(server.url, path)).status, path).toBe(404);
    }
  });

  it("leaves the API's paths to the API: unknown ones stay JSON 404s", async () => {
    for (const path of ["/api/v1/nothing", "/api/other", "/v1/nothing", "/trpc/nothing.here", "/docs/nothing"]) {
      const res = await rawGet(server.url, path);
      expect(res.status, path).toBe(404);
      expect(res.headers["content-type"], path).toBe("application/json");
    }
    const health = await rawGet(server.url, "/healthz");
    expect(health.status).toBe(200);
  });

  it("answers other methods on the app's paths with a JSON 404", async () => {
    const res = await server.call("POST", "/mail", { body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "ROUTE_NOT_FOUND" });
  });
});

describe("the web app when it is not built", () => {
  it("answers / with a page saying how to build it", async () => {
    const server = await startTestServer({ MAILROOM_WEB_DIR: join(mkdtempSync(join(tmpdir(), "mailroom-web-")), "dist") });
    try {
      const res = await rawGet(server.url, "/");
      expect(res.status).toBe(503);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.body).toContain("pnpm --filter @mailroom/web build");
      const asset = await rawGet(server.url, "/assets/index-abc123.js");
      expect(asset.status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
