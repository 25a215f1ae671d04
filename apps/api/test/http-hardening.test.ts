import { get } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestDnsServer } from "./support/dns-server.js";
import { download, listInbox, mxTransport, newInbox, startReceivingServer } from "./support/receiving.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { offThreadParses } from "../src/http/json-body.js";

let server: TestServer;
let dns: TestDnsServer;

beforeAll(async () => {
  dns = await TestDnsServer.start();
  server = await startReceivingServer({ MAILROOM_DNS_SERVERS: dns.address });
});
afterAll(async () => {
  await server.stop();
  await dns.stop();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A request over a bare socket: the head, then `body` (only its first `send` bytes when given),
 * and the response as the server wrote it, up to its close. The server may answer (and close)
 * before the body is sent: that is what some of these tests check.
 */
function rawRequest(head: string, body: Buffer = Buffer.alloc(0), send = body.length): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.app.httpPort, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("utf8");
      const parsed = parseResponse(text);
      // Answered in full: done, whether or not the server has closed yet.
      if (parsed && Buffer.byteLength(parsed.body) >= Number(parsed.headers["content-length"] ?? Infinity)) {
        socket.destroy();
        resolve(parsed);
      }
    });
    socket.on("error", () => undefined); // a reset after the answer is expected when the body was refused
    socket.on("close", () => {
      const parsed = parseResponse(Buffer.concat(chunks).toString("utf8"));
      if (parsed) resolve(parsed);
      else reject(new Error("connection closed without a response"));
    });
    socket.write(`${head.replace(/\n/g, "\r\n")}\r\n`);
    if (send > 0) socket.write(body.subarray(0, send));
  });
}

function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  const body = text.slice(end + 4);
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: headers["transfer-encoding"] === "chunked" ? dechunk(body) : body,
  };
}

/** The data of a chunked body (what has arrived of it). */
function dechunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (lineEnd === -1 || !(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/**
 * `{"headers":{"X-k0":"v","X-k1":"v",…}, …}` of about `bytes`: millions of distinct keys. Written
 * straight into one buffer, so the test process holds no millions of strings for its GC to walk
 * while the timing runs (the server shares this process).
 */
function manyKeysSend(bytes: number, address = "someone@ig.do"): Buffer {
  const out = Buffer.allocUnsafe(bytes + 64);
  let at = out.write(`{"from":"${address}","to":["${address}"],"subject":"many keys","text":"x","headers":{`);
  for (let i = 0; at < bytes; i++) at += out.write(`"X-k${i}":"v",`, at);
  at += out.write(`"X-end":"v"}}`, at);
  return out.subarray(0, at);
}

/** GET /healthz on a connection of its own (no pooled keep-alive socket to race the server's close). */
function healthz(): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${server.url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    }).on("error", reject);
  });
}

/**
 * Ask /healthz over and over until `done` settles; how many answers (each 200) came meanwhile.
 * How fast is not asserted: on a loaded machine any answer may take seconds.
 */
async function healthzWhile(done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let answers = 0;
  do {
    expect(await healthz()).toBe(200);
    answers++;
    // Pacing only (not waiting for anything): leave the machine to the upload between asks.
    await new Promise((r) => setTimeout(r, 50));
  } while (!finished);
  return answers;
}

async function keyCount(key: string): Promise<number> {
  return (await server.call("GET", "/api/v1/keys", { key })).body.keys.length;
}

describe("bodies: the key before the body, a limit per route", () => {
  it("answers an unauthenticated 30 MB body with 401 without reading it; /healthz answers meanwhile", async () => {
    const body = manyKeysSend(30 * 1024 * 1024);
    const posted = rawRequest(
      `POST /api/v1/send HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: ${body.length}\n`,
      body,
    );
    expect(await healthzWhile(posted)).toBeGreaterThan(0);
    const res = await posted;
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: "MISSING_API_KEY" });
    expect(res.headers.connection).toBe("close");

    // Not read to the end: the answer comes with only the head sent.
    const headOnly = await rawRequest(
      `POST /api/v1/send HTTP/1.1\nHost: x\nAuthorization: Bearer mr_live_nosuchkey000000000000000000000000000000\n` +
        `Content-Type: application/json\nContent-Length: ${body.length}\n`,
    );
    expect(headOnly.status).toBe(401);
    expect(JSON.parse(headOnly.body)).toMatchObject({ code: "INVALID_API_KEY" });
  });

  it("refuses an authenticated 30 MB many-keys send with 400 INVALID_JSON off the event loop; nothing is sent", async () => {
    const inbox = await newInbox(server);
    const body = manyKeysSend(30 * 1024 * 1024, inbox.address);
    const parsedOffThread = offThreadParses();
    const posted = rawRequest(
      `POST /api/v1/send HTTP/1.1\nHost: x\nAuthorization: Bearer ${inbox.key}\nContent-Type: application/json\n` +
        `Content-Length: ${body.length}\n`,
      body,
    );
    expect(await healthzWhile(posted)).toBeGreaterThan(0);
    const res = await posted;
    // Off the event loop: the body was checked on the worker thread (on this thread, a full
    // JSON.parse of it held everything else for seconds).
    expect(offThreadParses()).toBe(parsedOffThread + 1);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      success: false,
      error: "Request body holds more than 10000 object members and array elements",
      code: "INVALID_JSON",
    });
    expect(await listInbox(server, inbox)).toEqual([]);
  });

  it("takes a send body larger than 1 MiB (a 1.2 MB attachment) through the off-thread parser", async () => {
    const inbox = await newInbox(server);
    // 1.2 MB in base64 is over the 1 MiB every other route takes.
    const content = Buffer.alloc(1200 * 1024, 7);
    const res = await server.call("POST", "/api/v1/send", {
      key: inbox.key,
      body: {
        from: inbox.address,
        to: [inbox.address],
        subject: "big",
        text: "see attached",
        attachments: [{ filename: "big.bin", content: content.toString("base64") }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [message] = await listInbox(server, inbox);
    expect(message?.subject).toBe("big");
  });

  it("answers 413 to an over-limit body of an ordinary route without reading it to the end, on REST and tRPC", async () => {
    const tenant = await server.createTenant();
    const declared = 50 * 1024 * 1024;
    const auth = `Authorization: Bearer ${tenant.api_key}\nContent-Type: application/json\n`;
    const byLength = await rawRequest(
      `POST /api/v1/keys HTTP/1.1\nHost: x\n${auth}Content-Length: ${declared}\n`,
      Buffer.alloc(64 * 1024, 0x20),
    );
    expect(byLength.status).toBe(413);
    expect(JSON.parse(byLength.body)).toEqual({
      success: false,
      error: "Request body too large: this endpoint takes at most 1048576 bytes",
      code: "PAYLOAD_TOO_LARGE",
    });
    expect(byLength.headers.connection).toBe("close");

    // No length announced: refused once 1 MiB has arrived, the body still unfinished.
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const chunked = Buffer.concat(
      Array.from({ length: 6 }, () =>
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
      ),
    );
    const byChunks = await rawRequest(`POST /api/v1/keys HTTP/1.1\nHost: x\n${auth}Transfer-Encoding: chunked\n`, chunked);
    expect(byChunks.status).toBe(413);

    const trpc = await rawRequest(`POST /trpc/keys.create HTTP/1.1\nHost: x\n${auth}Content-Length: ${declared}\n`);
    expect(trpc.status).toBe(413);
    expect(JSON.parse(trpc.body).error.data).toMatchObject({ httpStatus: 413, mailroom: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("answers an unauthenticated tRPC call 401 before its body arrives", async () => {
    const res = await rawRequest(
      `POST /trpc/send.send HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: ${30 * 1024 * 1024}\n`,
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.data).toMatchObject({ httpStatus: 401, mailroom: { code: "MISSING_API_KEY" } });
  });
});

describe("bad input is a clear 4xx", () => {
  it("answers malformed percent-encoding in a path parameter with 400 VALIDATION_ERROR, changing nothing", async () => {
    const inbox = await newInbox(server);
    for (const [method, path, body] of [
      ["GET", "/api/v1/messages/%zz/raw", undefined],
      ["GET", "/api/v1/messages/m/attachments/%E0%A4%A", undefined],
      ["GET", "/api/v1/messages/%ED%A0%80", undefined],
      ["PATCH", "/v1/messages/%zz", { seen: true }],
      ["DELETE", "/api/v1/keys/%ED%A0%80", undefined],
    ] as const) {
      const res = await server.call(method, path, { key: inbox.key, body });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body).toMatchObject({ success: false, error: "Invalid request data", code: "VALIDATION_ERROR" });
      expect(res.body.details[0].message).toBe("Not valid percent-encoding (RFC 3986) of UTF-8");
    }
    expect(await keyCount(inbox.key)).toBe(1);
  });

  it("answers JSON nested 100,000 deep with 400 INVALID_JSON on REST and tRPC, creating nothing", async () => {
    const tenant = await server.createTenant();
    const deep = `{"name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const rest = await server.call("POST", "/api/v1/keys", { key: tenant.api_key, body: deep });
    expect(rest.status).toBe(400);
    expect(rest.body).toEqual({
      success: false,
      error: "Request body nests objects and arrays deeper than 64 levels",
      code: "INVALID_JSON",
    });
    const trpc = await fetch(`${server.url}/trpc/keys.create`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.api_key}`, "content-type": "application/json" },
      body: deep,
    });
    expect(trpc.status).toBe(400);
    expect(((await trpc.json()) as any).error.data).toMatchObject({ mailroom: { code: "INVALID_JSON" } });
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("answers a wrong method on a known path with 405 and Allow, on /api/v1, /v1 and the download routes", async () => {
    const tenant = await server.createTenant();
    for (const [method, path, allow] of [
      ["PUT", "/api/v1/keys", "GET, HEAD, POST"],
      ["PUT", "/v1/keys", "GET, HEAD, POST"],
      ["POST", "/api/v1/me", "GET, HEAD"],
      ["POST", "/api/v1/keys/key_x", "DELETE"],
      ["POST", "/api/v1/messages/msg_x/raw", "GET, HEAD"],
      ["DELETE", "/v1/messages/msg_x/attachments/att_x", "GET, HEAD"],
    ] as const) {
      const res = await server.call(method, path, { key: tenant.api_key });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(res.body).toEqual({
        success: false,
        error: "This endpoint does not answer this method; the Allow header lists the ones it does",
        code: "METHOD_NOT_ALLOWED",
      });
    }
    expect((await server.call("PUT", "/api/v1/no-such-thing", { key: tenant.api_key })).status).toBe(404);
    expect(await keyCount(tenant.api_key)).toBe(1);
  });

  it("answers a JSON body in any charset but UTF-8 with 415, creating nothing", async () => {
    const tenant = await server.createTenant();
    for (const type of [
      "application/json; charset=utf-16",
      "application/json;charset=ISO-8859-1",
      'application/json; charset="utf-16le"',
    ]) {
      const res = await server.call("POST", "/api/v1/keys", {
        key: tenant.api_key,
        body: { name: "x" },
        headers: { "content-type": type },
      });
      expect(res.status, type).toBe(415);
      expect(res.body).toEqual({
        success: false,
        error: "Request body must be application/json in UTF-8",
        code: "UNSUPPORTED_MEDIA_TYPE",
      });
    }
    const quoted = await server.call("POST", "/api/v1/keys", {
      key: tenant.api_key,
      body: { name: "quoted" },
      headers: { "content-type": 'application/json; charset="UTF-8"' },
    });
    expect(quoted.status).toBe(201);
    expect(await keyCount(tenant.api_key)).toBe(2);
  });
});

describe("downloads of hostile attachments", () => {
  it("serves an attachment typed application/x-€ with a CR/LF, quote and ; in its name: 200, same bytes, safe headers", async () => {
    const inbox = await newInbox(server);
    const bytes = Buffer.from([0, 1, 2, 3, 255, 254, 10, 13]);
    const name = 'naïve "quoted"\r\nX-Injected: yes; évil.pdf';
    const raw = [
      "From: sender@sender.test",
      `To: ${inbox.address}`,
      "Subject: hostile attachment",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "see attached",
      "--b",
      "Content-Type: application/x-€",
      `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      "Content-Transfer-Encoding: base64",
      "",
      bytes.toString("base64"),
      "--b--",
      "",
    ].join("\r\n");
    await mxTransport(server.app.smtpPort).sendMail({
      envelope: { from: "sender@sender.test", to: [inbox.address] },
      raw: Buffer.from(raw, "utf8"),
    });
    const [message] = await listInbox(server, inbox);
    const shown = await server.call("GET", `/api/v1/messages/${message!.id}`, { key: inbox.key });
    const attachment = shown.body.attachments[0];

    const res = await download(server, `/api/v1/messages/${message!.id}/attachments/${attachment.id}`, inbox.key);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(bytes)).toBe(true);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["x-injected"]).toBeUndefined();
    const disposition = res.headers["content-disposition"]!;
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~!-]*$/);
    expect(disposition).toContain('filename="na_ve _quoted_X-Injected: yes_ _vil.pdf"');
    const encoded = /filename\*=UTF-8''(.*)$/.exec(disposition)![1]!;
    expect(decodeURIComponent(encoded)).toBe(name.replace(/[\r\n]/g, ""));

    const rawDownload = await download(server, `/api/v1/messages/${message!.id}/raw`, inbox.key);
    expect(rawDownload.status).toBe(200);
    expect(rawDownload.headers["content-type"]).toBe("message/rfc822");
    expect(rawDownload.bytes.toString("utf8")).toContain("application/x-€");
  });
});

describe("open connections", () => {
  it("closes connections past MAILROOM_HTTP_MAX_CONNECTIONS as they arrive, and takes new ones once some close", async () => {
    const capped = await startTestServer({ MAILROOM_HTTP_MAX_CONNECTIONS: "10" });
    const port = capped.app.httpPort;
    const open = (): Promise<import("node:net").Socket> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
      });
    const healthz = (): Promise<number | string> =>
      new Promise((resolve) => {
        const req = get({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      });
    const held = await Promise.all(Array.from({ length: 10 }, open));
    try {
      // The server counts a socket once it has accepted it: ask until all ten are held.
      await expect.poll(healthz, { timeout: 10_000 }).toBe("ECONNRESET");
      held.pop()!.destroy();
      await expect.poll(healthz, { timeout: 10_000 }).toBe(200);
    } finally {
      for (const socket of held) socket.destroy();
      await capped.stop();
    }
  });
});
