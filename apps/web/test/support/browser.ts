import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_LAUNCH } from "../../../../tooling/chromium.mjs";
import { ensureBuilt } from "../../../../tooling/launch.mjs";
import { buildWeb, WEB_SOURCES } from "../../build.mjs";

const WEB_DIR = fileURLToPath(new URL("../../", import.meta.url));
/** The built app the test server serves (MAILROOM_WEB_DIR). */
export const WEB_DIST = join(WEB_DIR, "dist");

/** How long building the app may take before the test gives up. */
const BUILD_TIMEOUT_MS = 90_000;

/** Build apps/web when dist is missing or older than its sources, within BUILD_TIMEOUT_MS. */
export async function ensureWebBuilt(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`building apps/web took over ${BUILD_TIMEOUT_MS / 1000} s`)), BUILD_TIMEOUT_MS);
  });
  try {
    await Promise.race([
      ensureBuilt({
        dir: WEB_DIR,
        sources: WEB_SOURCES,
        output: join(WEB_DIST, "index.html"),
        build: buildWeb,
        what: "the web app",
      }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface TestBrowser {
  context: BrowserContext;
  /** Every request the pages tried to make anywhere but this machine (each was refused). */
  offHost: string[];
  /** Every URL the pages requested on this machine, in order. */
  requested: string[];
  close(): Promise<void>;
}

/**
 * Debian's chromium, headless, in a fresh profile; every request to anything but 127.0.0.1 or
 * localhost is refused and recorded. Without chromium the tests fail, saying how to get it.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No chromium at ${CHROMIUM}: the browser tests drive Debian's chromium (apt-get install chromium; .ci/run installs it), or set MAILROOM_CHROMIUM`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "mailroom-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    ...CHROMIUM_LAUNCH,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const offHost: string[] = [];
  const requested: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    let host = "";
    try {
      host = new URL(url).hostname;
    } catch {
      // not a URL with a host (data:, about:): not a network request
    }
    if (host === "127.0.0.1" || host === "localhost" || host === "") {
      requested.push(url);
      return route.continue();
    }
    offHost.push(url);
    return route.abort("blockedbyclient");
  });
  return {
    context,
    offHost,
    requested,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A plain TCP relay on 127.0.0.1 to `port`, connecting from `localAddress`: the server sees the
 * browser as that client address. Failed sign-ins are throttled per client IP across every test
 * file on the database, and chromium cannot choose its source address itself.
 */
export async function relayFrom(localAddress: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect({ host: "127.0.0.1", port, localAddress });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  relay.listen(0, "127.0.0.1");
  await once(relay, "listening");
  return {
    url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
