/** Lines of filler text, each ending in CRLF, adding up to exactly `bytes` bytes. */
export function filler(lines: number, bytes: number, char = "x"): string {
  const content = bytes - 2 * lines;
  const base = Math.floor(content / lines);
  const longer = content - base * lines;
  return Array.from({ length: lines }, (_, i) => `${char.repeat(base + (i < longer ? 1 : 0))}\r\n`).join("");
}

const rfcHeader = [
  "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
  "From: Terry Gray <gray@cac.washington.edu>",
  "Subject: IMAP4rev1 WG mtg summary and minutes",
  "To: imap@cac.washington.edu",
  "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>",
  "Message-Id: <B27397-0100000@cac.washington.edu>",
  "MIME-Version: 1.0",
  "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII",
];

/**
 * The message behind RFC 3501 7.4.2's FETCH example: its header, padded with a Received field so the
 * whole message is the example's RFC822.SIZE of 4286, and a 3028-byte body of 92 lines.
 */
export function rfcExampleMessage(): Buffer {
  const body = filler(92, 3028);
  const headerWithoutPadding = `${rfcHeader.join("\r\n")}\r\nReceived: \r\n\r\n`;
  const padding = 4286 - 3028 - headerWithoutPadding.length;
  const header = `${rfcHeader.join("\r\n")}\r\nReceived: ${"r".repeat(padding)}\r\n\r\n`;
  return Buffer.from(header + body);
}

/** The multipart message behind RFC 3501 7.4.2's BODYSTRUCTURE example. */
export function rfcExampleMultipart(): Buffer {
  return Buffer.from(
    [
      "From: a@example.com\r\n",
      "MIME-Version: 1.0\r\n",
      'Content-Type: MULTIPART/MIXED; BOUNDARY="xyz"\r\n',
      "\r\n",
      "preamble\r\n",
      "--xyz\r\n",
      "\r\n",
      filler(23, 1152),
      "\r\n--xyz\r\n",
      "Content-Type: TEXT/PLAIN; charset=US-ASCII; name=cc.diff\r\n",
      "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n",
      "Content-Description: Compiler diff\r\n",
      "Content-Transfer-Encoding: BASE64\r\n",
      "\r\n",
      filler(73, 4554, "Q"),
      "\r\n--xyz--\r\n",
      "epilogue\r\n",
    ].join(""),
  );
}

/** multipart/mixed holding a text part and a message/rfc822 that is itself multipart/alternative. */
export const nestedMessage = Buffer.from(
  [
    "From: Outer <outer@example.com>\r\n",
    "Subject: outer\r\n",
    "Content-Type: multipart/mixed; boundary=outer\r\n",
    "\r\n",
    "--outer\r\n",
    "Content-Type: text/plain; charset=utf-8\r\n",
    "\r\n",
    "first part\r\n",
    "--outer\r\n",
    "Content-Type: message/rfc822\r\n",
    'Content-Disposition: attachment; filename="fwd.eml"\r\n',
    "\r\n",
    "From: Inner <inner@example.org>\r\n",
    "To: group: a@x.org, b@y.org;\r\n",
    "Subject: inner\r\n",
    'Content-Type: multipart/alternative; boundary="in ner"\r\n',
    "\r\n",
    "--in ner\r\n",
    "Content-Type: text/plain\r\n",
    "\r\n",
    "plain body\r\n",
    "--in ner\r\n",
    "Content-Type: text/html\r\n",
    "Content-Language: en, de\r\n",
    "\r\n",
    "<p>html</p>\r\n",
    "--in ner--\r\n",
    "\r\n",
    "--outer--\r\n",
  ].join(""),
);
