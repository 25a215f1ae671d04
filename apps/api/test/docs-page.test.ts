import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const EXTERNAL = /(?:https?:)?\/\/(?!www\.w3\.org\/)[a-z0-9.-]+\.[a-z]{2,}/i;

describe("/docs", () => {
  it("serves an interactive reference whose page and assets load nothing from outside", async () => {
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    // The browser itself refuses any other origin, whatever a bundle might name.
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const html = await res.text();
    expect(html).not.toMatch(EXTERNAL);

    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) {
      expect(ref.startsWith("/"), `${ref} is served by us`).toBe(true);
      const asset = await fetch(`${server.url}${ref}`);
      expect(asset.status, ref).toBe(200);
      const type = asset.headers.get("content-type") ?? "";
      const body = Buffer.from(await asset.arrayBuffer());
      if (type.startsWith("text/css")) {
        const css = body.toString("utf8");
        expect(css).not.toMatch(/@import/);
        for (const [, url] of css.matchAll(/url\(\s*["']?([^"')]+)/g)) expect(url!.startsWith("data:"), url).toBe(true);
      }
      if (ref === "/docs/init.js") {
        const init = body.toString("utf8");
        expect(init).not.toMatch(EXTERNAL);
        expect(init).toContain('url: "/api/v1/openapi.json"');
        expect(init).toContain("validatorUrl: null");
        expect(init).toContain("tryItOutEnabled: true");
      }
    }
  });

  it("serves only its own asset files", async () => {
    const res = await fetch(`${server.url}/docs/assets/package.json`);
    expect(res.status).toBe(404);
    const traversal = await fetch(`${server.url}/docs/assets/..%2F..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
  });
});
