import addressparser from "nodemailer/lib/addressparser";

/** The unfolded header fields of a raw message (up to the first empty line), names lower-case. */
export function readHeaders(raw: Buffer): { name: string; value: string }[] {
  let end = raw.indexOf("\r\n\r\n");
  if (end < 0) end = raw.indexOf("\n\n");
  const block = raw.subarray(0, end < 0 ? raw.length : end).toString("latin1");
  const out: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      out[out.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

/** Every address in the From header(s), lower-case. */
export function fromAddresses(headers: { name: string; value: string }[]): string[] {
  return headers
    .filter((h) => h.name === "from")
    .flatMap((h) => addressparser(h.value, { flatten: true }))
    .map((a) => (a.address ?? "").toLowerCase())
    .filter(Boolean);
}

/**
 * The message with Message-ID and Date added when it has none (RFC 5321 §6.4: a submission server
 * may complete a message this way).
 */
export function completeHeaders(raw: Buffer, headers: { name: string }[], messageId: string, date: Date): Buffer {
  const added: string[] = [];
  if (!headers.some((h) => h.name === "message-id")) added.push(`Message-ID: ${messageId}\r\n`);
  if (!headers.some((h) => h.name === "date")) added.push(`Date: ${date.toUTCString().replace("GMT", "+0000")}\r\n`);
  return added.length > 0 ? Buffer.concat([Buffer.from(added.join(""), "latin1"), raw]) : raw;
}
