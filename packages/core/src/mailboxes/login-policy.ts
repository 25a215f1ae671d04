import type { MailroomConfig } from "@mailroom/contracts";

export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.");
}

/**
 * Whether a mail client may send a mailbox password on this connection (SMTP submission AUTH, IMAP
 * LOGIN and AUTHENTICATE): over TLS, from loopback (a local client or a TLS-terminating proxy), or
 * anywhere when SUBMISSION_ALLOW_INSECURE_AUTH says so. One rule for every mail port.
 */
export function passwordLoginAllowed(config: MailroomConfig, connection: { secure: boolean; ip: string }): boolean {
  return connection.secure || isLoopback(connection.ip) || config.sending.allowInsecureAuth;
}
