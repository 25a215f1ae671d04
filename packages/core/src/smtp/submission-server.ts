import type { AddressInfo } from "node:net";
import type { SMTPServerSession } from "smtp-server";
import { splitMailboxAddress } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { passwordLoginAllowed } from "../mailboxes/login-policy.js";
import { verifyMailboxPassword, type Mailbox } from "../mailboxes/mailbox.service.js";
import { checkSender, SubmissionRefused, submitMessage } from "../sending/submit.service.js";
import type { SendingContext } from "../sending/send.service.js";
import { loginBlocked, recordLoginFailure } from "./login-throttle.js";
import { holdMessage, type MessageMemory } from "./message-spool.js";
import { MxSmtpServer } from "./mx-server.js";
import { SessionLimits } from "./session-limits.js";
import type { SmtpListenerStats } from "./smtp-receiver.js";
import { messageFailureReply, plainIp, SHUTDOWN_GRACE_MS, smtpError } from "./smtp-replies.js";

export const SUBMISSION_MAX_RECIPIENTS = 100;

/** The library's own pause before the greeting, kept for submission (mail clients wait for the banner). */
const SUBMISSION_GREET_PAUSE_MS = 100;

export interface SubmissionServer {
  port: number;
  stats(): SmtpListenerStats;
  close(): Promise<void>;
}

/**
 * SMTP submission (SUBMISSION_PORT): mailboxes log in (AUTH PLAIN or LOGIN) and send as
 * themselves; accepted mail joins the same queue as POST /send. Without AUTH, MAIL is answered 530.
 */
export async function startSubmissionServer(
  deps: CoreDeps,
  sending: SendingContext,
  tls: { key: Buffer; cert: Buffer } | undefined,
  memory: MessageMemory,
  listenOn: { host: string; port: number } = { host: deps.config.smtp.host, port: deps.config.smtp.submissionPort },
): Promise<SubmissionServer> {
  const { config } = deps;
  const log = deps.logger.child({ component: "smtp-submission" });
  const user = (session: SMTPServerSession) => session.user as Mailbox;

  const limits = new SessionLimits(config.smtp.limits, log);
  const server: MxSmtpServer = new MxSmtpServer(
    {
      name: config.hostname,
      banner: "Mailroom submission",
      size: config.smtp.maxMessageBytes,
      authMethods: ["PLAIN", "LOGIN"],
      authOptional: false,
      // The library's own check knows nothing of loopback; onAuth decides (below).
      allowInsecureAuth: true,
      disabledCommands: tls ? [] : ["STARTTLS"],
      ...(tls ?? {}),
      maxRecipients: SUBMISSION_MAX_RECIPIENTS,
      // Our replies carry their own enhanced codes (the library would derive 5.1.1 for every 550).
      hideENHANCEDSTATUSCODES: true,
      disableReverseLookup: true,
      closeTimeout: SHUTDOWN_GRACE_MS,
      maxClients: config.smtp.limits.maxSessions,
      socketTimeout: config.smtp.limits.idleTimeoutMs,
      logger: false,

      onAuth(auth, session, callback) {
        const ip = plainIp(session.remoteAddress);
        if (!passwordLoginAllowed(config, { secure: session.secure, ip })) {
          callback(smtpError(538, "5.7.11 Encryption required: use STARTTLS before AUTH"));
          return;
        }
        const address = (auth.username ?? "").trim().toLowerCase();
        const password = auth.password ?? "";
        (async () => {
          if (await loginBlocked(deps, ip, address)) {
            log.warn({ ip, address }, "submission login refused: too many failures");
            return callback(smtpError(454, "4.7.0 Too many failed logins; try again later"));
          }
          const mailbox = address ? await verifyMailboxPassword(deps, address, password) : null;
          if (!mailbox) {
            await recordLoginFailure(deps, ip, address);
            log.info({ ip, address, method: auth.method }, "submission login failed");
            return callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
          }
          log.info({ ip, mailboxId: mailbox.id, method: auth.method }, "submission login");
          callback(null, { user: mailbox });
        })().catch((err: unknown) => {
          log.error({ err }, "submission login check failed");
          callback(smtpError(454, "4.3.0 Temporary authentication failure"));
        });
      },

      onMailFrom(address, session, callback) {
        const mailbox = user(session);
        if (address.address.toLowerCase() !== mailbox.address) {
          return callback(smtpError(553, `5.7.1 You may only send as ${mailbox.address}`));
        }
        // The sender rule of POST /send, asked here too so a refused sender learns before DATA.
        checkSender(deps, sending, mailbox).then(
          () => callback(),
          (err: unknown) => {
            if (err instanceof SubmissionRefused) return callback(smtpError(err.responseCode, err.message));
            log.error({ err }, "sender check failed");
            callback(smtpError(451, "4.3.0 Temporary failure checking the sender, try again later"));
          },
        );
      },

      onRcptTo(address, _session, callback) {
        if (!splitMailboxAddress(address.address.toLowerCase())) {
          return callback(smtpError(553, "5.1.3 Invalid recipient address"));
        }
        callback();
      },

      onData(stream, session, callback) {
        server.watchData(stream, session);
        holdMessage(stream, config.smtp.maxMessageBytes, memory).then(
          (held) => {
            if (!held) return callback(smtpError(552, `5.3.4 Message exceeds the ${config.smtp.maxMessageBytes}-byte limit`));
            const recipients = session.envelope.rcptTo.map((r) => r.address);
            const context = { session: session.id, ip: plainIp(session.remoteAddress), size: held.size };
            held
              .bytes()
              .then((raw) => submitMessage(deps, sending, user(session), recipients, raw))
              .finally(() => held.release())
              .then(
                (result) => callback(null, `2.0.0 Queued as ${result.messageId}`),
                (err: unknown) =>
                  callback(
                    messageFailureReply(
                      err instanceof SubmissionRefused ? smtpError(err.responseCode, err.message) : err,
                      log,
                      context,
                    ),
                  ),
              );
          },
          (err: unknown) => {
            log.info({ err: err instanceof Error ? err.message : String(err), session: session.id }, "reading DATA failed");
            callback(smtpError(451, "4.3.0 Error reading the message, try again later"));
          },
        );
      },
    },
    { greetPauseMs: SUBMISSION_GREET_PAUSE_MS, limits, dataTimeoutMs: config.smtp.limits.dataTimeoutMs, log },
  );
  server.on("error", (err) => log.warn({ err: err.message }, "submission server error"));

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(listenOn.port, listenOn.host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: listenOn.host, port, tls: Boolean(tls) }, "smtp submission listening");
  return {
    port,
    stats: () => ({ sessions: limits.sessions, ...memory.stats() }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
