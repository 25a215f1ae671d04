import { existsSync } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@mailroom/core";
import { escapeHtml } from "./message-html.js";
import { closeIfBodyUnread } from "./request-gate.js";

/*
 * The browser app (apps/web, built by Vite to static files) at `/` and every path that is not the
 * API's: a path without a file extension is one of the app's own routes and gets index.html.
 */

/**
 * The app only talks to its own origin: no inline script or style (Vite's build emits none), mail
 * HTML only in a sandboxed frame of our own origin, nothing may frame the app.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite names every file under assets/ by its content's hash: it never changes under that name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * apps/web/dist beside the server's code: from the sources (apps/api/src/http) or from the bundle
 * (apps/api/dist), whichever this file is.
 */
export function defaultWebDir(): string {
  const candidates = ["../../../web/dist", "../../web/dist"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dirname(dir), "package.json"))) ?? candidates[0]!;
}

export function createWebApp(options: { dir: string | undefined; logger: Logger }) {
  const dir = resolve(options.dir ?? defaultWebDir());

  return async function serveWebApp(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const segments = decodeSegments(pathname);
    if (!segments) return false;
    const last = segments.at(-1) ?? "";
    // A file name has an extension; anything else is a route of the app itself.
    const wanted = extname(last) ? segments : ["index.html"];
    const file = await findFile(dir, wanted);
    if (!file) {
      if (wanted[0] !== "index.html") return false;
      notBuilt(req, res, dir);
      return true;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (err) {
      options.logger.warn({ err, file }, "web app file unreadable");
      return false;
    }
    closeIfBodyUnread(req, res);
    res.statusCode = 200;
    setSecurityHeaders(res);
    res.setHeader("Content-Type", CONTENT_TYPES[extname(file)] ?? "application/octet-stream");
    res.setHeader("Cache-Control", wanted[0] === "assets" && wanted.length > 1 ? IMMUTABLE : "no-cache");
    res.setHeader("Content-Length", String(body.length));
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", WEB_APP_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
}

/**
 * The path's segments, decoded; undefined for anything that could leave the folder or is not a
 * plain name: `..`, `.`, an encoded slash or backslash, NUL, bad percent-encoding, hidden files.
 */
function decodeSegments(pathname: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of pathname.split("/").slice(1)) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment.startsWith(".") || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/** The regular file at `segments` under `dir`, after symlinks, only when it is still inside `dir`. */
async function findFile(dir: string, segments: string[]): Promise<string | undefined> {
  try {
    const root = await realpath(dir);
    const file = await realpath(join(root, ...segments));
    if (!file.startsWith(root + sep)) return undefined;
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function notBuilt(req: IncomingMessage, res: ServerResponse, dir: string): void {
  closeIfBodyUnread(req, res);
  res.statusCode = 503;
  setSecurityHeaders(res);
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache");
  const page =
    "<!doctype html><html lang=en><meta charset=utf-8><title>Mailroom</title>" +
    "<h1>The web app is not built</h1>" +
    `<p>No <code>index.html</code> in <code>${escapeHtml(dir)}</code>. Build it with ` +
    "<code>pnpm --filter @mailroom/web build</code> (<code>pnpm start</code> builds it when missing), " +
    "or point <code>MAILROOM_WEB_DIR</code> at a built copy. The API answers under <code>/api/v1</code>.</p>";
  res.end(req.method === "HEAD" ? undefined : page);
}
