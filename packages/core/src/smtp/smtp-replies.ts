import { MailroomError } from "@mailroom/contracts";
import type { Logger } from "pino";

/** An SMTP refusal for smtp-server's callbacks: the code it answers with, and the text after it. */
export function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** How long shutdown waits for sessions in DATA before cutting them off. */
export const SHUTDOWN_GRACE_MS = 30_000;

/**
 * The reply for a message we could not take. A refusal already in SMTP terms is sent as it is; a
 * message our parser cannot read within its limits is refused for good (554 5.6.0), since sending
 * it again changes nothing; anything else is our own fault and temporary (451 4.3.0, logged).
 */
export function messageFailureReply(err: unknown, log: Logger, context: Record<string, unknown>): Error {
  if (typeof (err as { responseCode?: unknown } | null)?.responseCode === "number") {
    log.info({ ...context, reply: (err as Error).message }, "message refused");
    return err as Error;
  }
  if (err instanceof MailroomError && err.code === "MESSAGE_UNREADABLE") {
    log.info({ ...context, reason: err.message }, "message refused");
    return smtpError(554, `5.6.0 ${err.message}`);
  }
  log.error({ ...context, err }, "storing a message failed");
  return smtpError(451, "4.3.0 Temporary failure storing the message, try again later");
}
