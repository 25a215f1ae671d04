/** RFC 5322 date-time in UTC: `Mon, 23 Nov 2026 15:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

/** Only visible ASCII: what a client sends in EHLO must not be able to break our header. */
function safeToken(value: string): string {
  return (
    value
      .replace(/[^\x21-\x7e]/g, "")
      .replace(/[()[\];\\]/g, "")
      .slice(0, 255) || "unknown"
  );
}

export interface ReceivedInfo {
  helo: string;
  ip: string;
  hostname: string;
  /** ESMTP, ESMTPS, SMTP… as the session was. */
  protocol: string;
  id: string;
  /** Named only for a single recipient, so copies do not tell each other's addresses. */
  recipients: string[];
  date: Date;
}

/** The trace header this server adds on top of every message it accepts (RFC 5321 §4.4). */
export function receivedHeader(info: ReceivedInfo): string {
  const ip = info.ip.includes(":") ? `IPv6:${info.ip}` : info.ip;
  const forClause = info.recipients.length === 1 ? `\r\n\tfor <${safeToken(info.recipients[0]!)}>` : "";
  return (
    `Received: from ${safeToken(info.helo)} ([${ip}])\r\n` +
    `\tby ${info.hostname} (Mailroom) with ${safeToken(info.protocol)} id ${info.id}` +
    `${forClause};\r\n\t${rfc5322Date(info.date)}\r\n`
  );
}
