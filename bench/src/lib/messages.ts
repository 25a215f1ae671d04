import { randomBytes } from "node:crypto";

const WORDS = (
  "the quarterly report shows steady growth in every region while costs fell slightly compared with last " +
  "year our team will present the figures at the meeting on thursday please review the attached draft and " +
  "send comments before noon invoice payment shipping delayed warehouse customer support ticket resolved " +
  "password reset account security notice newsletter weekly digest conference travel hotel booking confirmed"
).split(" ");

function words(n: number, seed: number): string {
  const out: string[] = [];
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(" ");
}

function wrap(text: string): string {
  return text.replace(/(.{1,72})(\s|$)/g, "$1\r\n");
}

/**
 * A real-looking message: varied text, an HTML alternative, and every `attachEvery`-th one a 100 KB
 * attachment (random bytes, base64: incompressible, unlike smtp-source's body). `extraText` ends the
 * plain-text part (a word for a search to find).
 */
export function realLookingMessage(
  i: number,
  o: { from: string; to: string; messageId: string; attachEvery?: number; extraText?: string },
): Buffer {
  const boundary = `b_${i}_${randomBytes(6).toString("hex")}`;
  const alt = `a_${boundary}`;
  const text = wrap(words(150 + (i % 7) * 60, i) + (o.extraText ? ` ${o.extraText}` : ""));
  const html = `<html><body><p>${words(120 + (i % 5) * 50, i + 7)}</p><ul><li>${words(8, i + 1)}</li><li>${words(9, i + 2)}</li></ul></body></html>`;
  const attach = o.attachEvery !== undefined && i % o.attachEvery === 0;
  const parts = [
    `From: "Load Generator" <${o.from}>`,
    `To: <${o.to}>`,
    `Subject: ${words(6, i + 3)} #${i}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${o.messageId}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    "",
    `--${alt}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    `--${alt}`,
    "Content-Type: text/html; charset=utf-8",
    "",
    wrap(html),
    `--${alt}--`,
  ];
  if (attach) {
    const b64 = randomBytes(100 * 1024)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n");
    parts.push(
      `--${boundary}`,
      "Content-Type: application/pdf",
      `Content-Disposition: attachment; filename="report-${i}.pdf"`,
      "Content-Transfer-Encoding: base64",
      "",
      b64,
    );
  }
  parts.push(`--${boundary}--`, "");
  return Buffer.from(parts.join("\r\n"));
}

/** A plain ~`size`-byte message with a unique Message-ID (drills). */
export function plainMessage(i: number, o: { from: string; to: string; messageId: string; size?: number }): Buffer {
  const body = wrap(words(Math.round((o.size ?? 5120) / 7), i));
  return Buffer.from(
    [
      `From: <${o.from}>`,
      `To: <${o.to}>`,
      `Subject: drill message ${i}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: ${o.messageId}`,
      "",
      body,
    ].join("\r\n"),
  );
}
