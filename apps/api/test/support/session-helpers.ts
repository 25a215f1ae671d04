import { request } from "node:http";
import { connect } from "node:net";
import { expect } from "vitest";
import type { TestServer } from "./test-server.js";

export interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/**
 * A real HTTP request through node:http, for what fetch hides: Set-Cookie headers, a Cookie header,
 * and `localAddress` (Linux routes all of 127.0.0.0/8 to loopback, so 127.0.0.x is a client of its
 * own for the failed-login throttle, which counts per IP across test files).
 */
export function rawCall(
  server: TestServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; localAddress?: string } = {},
): Promise<RawResult> {
  const url = new URL(path, server.url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A client address of this test's own on loopback (127.0.0.10–249). */
export function ownClientAddress(): string {
  return `127.0.0.${10 + Math.floor(Math.random() * 240)}`;
}

export interface MailboxToken {
  token: string;
  expires_at: string;
  mailbox: { id: string; address: string };
}

/** POST /api/v1/token, expecting 201. */
export async function signInToken(server: TestServer, address: string, password = "securePass123"): Promise<MailboxToken> {
  const res = await server.call("POST", "/api/v1/token", { body: { address, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as MailboxToken;
}

export interface BrowserSession {
  cookie: string;
  setCookie: string;
  csrf: string;
  body: any;
}

/** POST /api/v1/session, expecting 200; `cookie` is the Cookie header to send back. */
export async function signInSession(server: TestServer, address: string, password = "securePass123"): Promise<BrowserSession> {
  const res = await rawCall(server, "POST", "/api/v1/session", { body: { address, password } });
  expect(res.status, res.text).toBe(200);
  const setCookie = [res.headers["set-cookie"]].flat()[0] ?? "";
  return { cookie: setCookie.split(";")[0]!, setCookie, csrf: res.body.csrf_token, body: res.body };
}

/**
 * Only a request's head, over a bare socket, with a Content-Length whose body is never sent: an
 * answer proves the server decided without reading the body.
 */
export function headOnly(server: TestServer, head: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.app.httpPort, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer without the body; got ${JSON.stringify(text)}`));
    }, 5000);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      const length = /content-length:\s*(\d+)/i.exec(text)?.[1];
      if (end !== -1 && length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(text.split(" ")[1]), text: text.slice(end + 4) });
      }
    });
    socket.on("error", () => undefined);
    socket.write(`${head.trim().replace(/\n/g, "\r\n")}\r\n\r\n`);
  });
}
