export { createCore, type Core } from "./core.js";
export type { CoreDeps } from "./deps.js";
export { openDatabase, type DatabaseHandle, type DatabaseKind } from "./db/connect.js";
export { migrateTo, migrateToLatest } from "./db/migrate.js";
export type { Database } from "./db/database.js";
export { createLogger, type Logger } from "./logger.js";
export type { Principal } from "./keys/api-key.service.js";
export type { MailboxTokenPrincipal, IssuedMailboxToken } from "./sessions/mailbox-token.service.js";
export type { RateLimitState } from "./rate-limit/rate-limit.service.js";
export { RATE_LIMIT_WINDOW_SECONDS } from "./rate-limit/rate-limit.service.js";
export { newId } from "./ids.js";
export type { Mailbox, MailboxView, CreateMailboxInput, UpdateMailboxInput } from "./mailboxes/mailbox.service.js";
export type { RecipientDecision } from "./recipients/recipient-rule.js";
export type { DeliveryWorker, DeliveryWorkerOptions } from "./delivery/delivery-worker.js";
export type { RemoteTransport, RemoteEnvelope } from "./delivery/remote-transport.js";
export type { AttemptOutcome } from "./delivery/retry-schedule.js";
export type { SubmissionServer } from "./smtp/submission-server.js";
export type { Pop3Server } from "./pop3/pop3-server.js";
export type { ImapServer } from "./imap/imap-server.js";
export type {
  MessageSummary,
  MessageDetail,
  MessageAttachment,
  WaitOptions,
  MessageUpdate,
} from "./messages/message.service.js";
export type { Folder, FolderWithCounts } from "./folders/folder.service.js";
export { FOLDER_CHANGES_CHANNEL } from "./folders/folder-changes.js";
export type { SmtpListenerStats, SmtpReceiver } from "./smtp/smtp-receiver.js";
export { MAX_RECIPIENTS } from "./smtp/smtp-receiver.js";
export type { ExtractedLink } from "./messages/extraction.js";
export { hostnameWarning } from "./domains/domain-records.js";
export type { WebhookWorker, WebhookWorkerOptions } from "./webhooks/webhook-worker.js";
export { appendEvents, type NewEvent } from "./events/event-log.js";
