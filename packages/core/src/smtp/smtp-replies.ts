/** An SMTP refusal for smtp-server's callbacks: the code it answers with, and the text after it. */
export function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainIp(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** How long shutdown waits for sessions in DATA before cutting them off. */
export const SHUTDOWN_GRACE_MS = 30_000;
