import { join } from "node:path";
import type {
  CreateDomainInput,
  CreateTenantInput,
  CreateWebhookInput,
  Plan,
  SendInput,
  UpdateDomainInput,
  UpdateWebhookInput,
} from "@mailroom/contracts";
import type { CoreDeps } from "./deps.js";
import {
  createDomain,
  deleteDomain,
  getDomain,
  getDomainDns,
  listDomains,
  recheckDueDomains,
  updateDomain,
  verifyDomain,
} from "./domains/domain.service.js";
import { listEvents, pruneOldEvents, openEventStream, type EventListQuery, type StreamOptions } from "./events/event.service.js";
import { EventTail } from "./events/event-tail.js";
import { ensureAdminKey } from "./keys/admin-key.js";
import { createKeyLookup } from "./keys/key-lookup.js";
import { authenticateRequest, createApiKey, listApiKeys, revokeApiKey, type Principal } from "./keys/api-key.service.js";
import {
  createMailbox,
  deleteMailbox,
  findDeliverableMailbox,
  getMailbox,
  listMailboxes,
  purgeExpiredMailboxes,
  searchMailboxes,
  updateMailbox,
  verifyMailboxPassword,
  type CreateMailboxInput,
  type UpdateMailboxInput,
} from "./mailboxes/mailbox.service.js";
import { listSystemDomains } from "./mailboxes/system-domains.js";
import type { DeliveryWorkerOptions } from "./delivery/delivery-worker.js";
import { pruneIdempotencyKeys } from "./sending/idempotency.js";
import { sendMessage } from "./sending/send.service.js";
import { createSendingContext } from "./sending/sending.js";
import { findSentMessage } from "./sending/sent-message.service.js";
import { listSentMessages } from "./sending/sent-list.service.js";
import type { SentListQuery } from "./delivery/sent-list.repository.js";
import { startSubmissionServer } from "./smtp/submission-server.js";
import { startPop3Server, type Pop3ListenOn } from "./pop3/pop3-server.js";
import { startImapServer, type ImapListenOptions } from "./imap/imap-server.js";
import {
  deleteMessage,
  getAttachment,
  getMailboxMessage,
  getMessage,
  getRawMessage,
  listInbox,
  pageInbox,
  purgeUnreferencedContents,
  setSeen,
  updateMessage,
  type MessageUpdate,
  waitForCode,
  waitForMessage,
  type WaitOptions,
} from "./messages/message.service.js";
import { findMessageMailboxId, type InboxQuery } from "./messages/message.repository.js";
import {
  csrfTokenFor,
  csrfTokenMatches,
  issueMailboxToken,
  pruneExpiredMailboxTokens,
  revokeMailboxToken,
} from "./sessions/mailbox-token.service.js";
import {
  createFolder,
  deleteFolder,
  listFolders,
  renameFolder,
  requireFolderByName,
  setSubscribed,
} from "./folders/folder.service.js";
import { NewMailSignal } from "./messages/new-mail-signal.js";
import { decideRecipients } from "./recipients/recipient-rule.js";
import { startSmtpReceiver } from "./smtp/smtp-receiver.js";
import { MessageMemory } from "./smtp/message-spool.js";
import { pruneRateLimitWindows } from "./rate-limit/rate-limit.service.js";
import { createTenant, getTenant, listTenants } from "./tenants/tenant.service.js";
import { createSecretBox } from "./webhooks/secret-box.js";
import { dispatchAll } from "./webhooks/webhook-dispatcher.js";
import { pruneFinishedDeliveries } from "./webhooks/webhook.repository.js";
import { webhookSecrets } from "./webhooks/webhook-secrets.js";
import { WebhookWorker, type WebhookWorkerOptions } from "./webhooks/webhook-worker.js";
import {
  createWebhook,
  createWebhookContext,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  replayWebhook,
  retryWebhookDelivery,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
} from "./webhooks/webhook.service.js";

/**
 * The domain, bound to its dependencies: what the API and the SMTP servers call.
 * Created once per process, after ensureAdminKey has run.
 */
export async function createCore(deps: CoreDeps) {
  const admin = await ensureAdminKey(deps);
  const keyLookup = createKeyLookup(deps);
  const newMail = new NewMailSignal(deps);
  const eventTail = new EventTail(deps, { perTenant: deps.config.events.streamsPerTenant });
  const sending = createSendingContext(deps, newMail);
  // One budget of message bytes in memory for both SMTP listeners: together they hold no more.
  const messageMemory = new MessageMemory(
    deps.config.smtp.limits.memoryBytes,
    join(deps.config.dataDir, "spool"),
    deps.logger.child({ component: "smtp-spool" }),
  );
  const webhookWorkers = new Set<WebhookWorker>();
  const secretBox = createSecretBox({ secretsKey: deps.config.webhooks.secretsKey, dataDir: deps.config.dataDir });
  const secrets = webhookSecrets(secretBox);
  let csrfKey: Buffer | undefined;
  const csrfKeyNow = () => {
    csrfKey ??= secretBox.derive("mailroom session csrf v1");
    return csrfKey;
  };
  const webhooks = createWebhookContext(deps, secrets, () => {
    for (const worker of webhookWorkers) worker.kick();
  });
  return {
    deps,
    adminKeyFile: admin.writtenTo,
    tenants: {
      create: (input: CreateTenantInput) => createTenant(deps, input),
      list: () => listTenants(deps),
      get: (id: string) => getTenant(deps, id),
    },
    keys: {
      create: (tenantId: string, input: { name?: string | undefined }) => createApiKey(deps, tenantId, input),
      list: (tenantId: string) => listApiKeys(deps, tenantId),
      revoke: (tenantId: string, keyId: string) => revokeApiKey(deps, tenantId, keyId),
    },
    auth: {
      /** Who the key is, and this request counted against its plan's limit: one round trip for a tenant key. */
      authenticate: (secret: string | undefined) =>
        authenticateRequest(deps, keyLookup, admin.hash, secret, (p) => rateLimitFor(deps, p)),
      rateLimitFor: (principal: Principal): number => rateLimitFor(deps, principal),
      /** The CSRF token of the browser session whose cookie holds `token`. */
      csrfToken: (token: string) => csrfTokenFor(csrfKeyNow(), token),
      csrfTokenMatches: (token: string, presented: string | undefined) => csrfTokenMatches(csrfKeyNow(), token, presented),
    },
    // mailbox sign-in: tokens for one mailbox (API clients and browser sessions)
    sessions: {
      /** A new token for the mailbox whose address and password these are; `ip` is the client's (the login throttle's). */
      signIn: (ip: string, address: string, password: string) => issueMailboxToken(deps, ip, address, password),
      revoke: (tokenId: string) => revokeMailboxToken(deps, tokenId),
    },
    // domains
    domains: {
      create: (tenantId: string, input: CreateDomainInput) => createDomain(deps, tenantId, input),
      list: (tenantId: string, page: { limit: number; cursor?: string | undefined }) => listDomains(deps, tenantId, page),
      get: (tenantId: string, id: string) => getDomain(deps, tenantId, id),
      dns: (tenantId: string, id: string) => getDomainDns(deps, tenantId, id),
      update: (tenantId: string, id: string, input: Omit<UpdateDomainInput, "id">) => updateDomain(deps, tenantId, id, input),
      verify: (tenantId: string, id: string, options: { requireDkim?: boolean | undefined }) =>
        verifyDomain(deps, tenantId, id, options),
      delete: (tenantId: string, id: string, options: { force?: boolean | undefined }) =>
        deleteDomain(deps, tenantId, id, options),
      /** The background re-check of domains whose next check is due. */
      recheckDue: (options?: { limit?: number }) => recheckDueDomains(deps, options),
    },

    // mailboxes
    mailboxes: {
      create: (tenantId: string, input: CreateMailboxInput) => createMailbox(deps, tenantId, input),
      get: (tenantId: string, id: string) => getMailbox(deps, tenantId, id),
      list: (tenantId: string, page: Parameters<typeof listMailboxes>[2]) => listMailboxes(deps, tenantId, page),
      search: (tenantId: string, query: Parameters<typeof searchMailboxes>[2]) => searchMailboxes(deps, tenantId, query),
      update: (tenantId: string, id: string, input: UpdateMailboxInput) => updateMailbox(deps, tenantId, id, input),
      delete: (tenantId: string, id: string) => deleteMailbox(deps, tenantId, id),
      findDeliverableMailbox: (address: string) => findDeliverableMailbox(deps, address),
      verifyMailboxPassword: (address: string, password: string) => verifyMailboxPassword(deps, address, password),
      systemDomains: (plan: Plan) => listSystemDomains(deps.config, plan),
    },

    // receiving
    messages: {
      /** A folder's messages (`folder` by name; INBOX when absent), newest first. */
      inbox: (tenantId: string, mailboxId: string, query: Omit<InboxQuery, "folderId"> & { folder?: string | undefined }) =>
        listInbox(deps, tenantId, mailboxId, query),
      page: (tenantId: string, mailboxId: string, page: { page: number; pageSize: number }) =>
        pageInbox(deps, tenantId, mailboxId, page),
      get: (tenantId: string, id: string) => getMessage(deps, tenantId, id),
      /** The mailbox a message of the tenant belongs to (received copy, or sent by); undefined when none. */
      mailboxOf: (tenantId: string, id: string) => findMessageMailboxId(deps.db, tenantId, id),
      getInMailbox: (tenantId: string, mailboxId: string, id: string) => getMailboxMessage(deps, tenantId, mailboxId, id),
      raw: (tenantId: string, id: string) => getRawMessage(deps, tenantId, id),
      attachment: (tenantId: string, id: string, attachmentId: string) => getAttachment(deps, tenantId, id, attachmentId),
      setSeen: (tenantId: string, id: string, seen: boolean) => setSeen(deps, tenantId, id, seen),
      /** Flags and folder (by name), in one transaction; the message after. */
      update: (tenantId: string, id: string, update: MessageUpdate) => updateMessage(deps, tenantId, id, update),
      delete: (tenantId: string, id: string) => deleteMessage(deps, tenantId, id),
      wait: (tenantId: string, mailboxId: string, options: WaitOptions) =>
        waitForMessage(deps, newMail, tenantId, mailboxId, options),
      waitForCode: (tenantId: string, mailboxId: string, options: WaitOptions) =>
        waitForCode(deps, newMail, tenantId, mailboxId, options),
      /** Resolves once a wait on the mailbox is in place and cannot miss what is stored next. */
      whenWaiting: (mailboxId: string) => newMail.whenSubscribed(mailboxId),
    },
    // a mailbox's folders (IMAP uses folders/folder.service.ts and folder-messages.ts directly)
    folders: {
      list: (tenantId: string, mailboxId: string) => listFolders(deps, tenantId, mailboxId),
      find: (tenantId: string, mailboxId: string, name: string) => requireFolderByName(deps, tenantId, mailboxId, name),
      create: (tenantId: string, mailboxId: string, name: string) => createFolder(deps, tenantId, mailboxId, name),
      rename: (tenantId: string, mailboxId: string, folderId: string, name: string) =>
        renameFolder(deps, tenantId, mailboxId, folderId, name),
      delete: (tenantId: string, mailboxId: string, folderId: string) => deleteFolder(deps, tenantId, mailboxId, folderId),
      setSubscribed: (tenantId: string, mailboxId: string, folderId: string, subscribed: boolean) =>
        setSubscribed(deps, tenantId, mailboxId, folderId, subscribed),
    },
    receiving: {
      /** The MX on config.smtp (or `listenOn`); close() it to stop. */
      startReceiver: (listenOn?: { host: string; port: number }) => startSmtpReceiver(deps, newMail, messageMemory, listenOn),
      /** The recipient rule the MX, the send API and submission share. */
      decideRecipients: (addresses: readonly string[]) => decideRecipients(deps, addresses),
      /** IMAP on config.imap (plain with STARTTLS, and implicit TLS when `tls` is given); close() it to stop. */
      startImap: (tls?: { key: Buffer; cert: Buffer }, listenOn?: ImapListenOptions) =>
        startImapServer(deps, newMail, tls, listenOn),
      /** Ends pending waits (503) so shutdown need not sit out their timeouts. */
      closeWaits: () => newMail.close(),
    },

    // sending
    sending: {
      /** `onlyAs`: a mailbox token's own address, the only sender it may use. */
      send: (tenantId: string, input: SendInput, idempotencyKey?: string | undefined, onlyAs?: { address: string }) =>
        sendMessage(deps, sending.context, tenantId, input, idempotencyKey, onlyAs),
      /** The sent message, or undefined (for GET /messages/{id}, which also serves received mail). */
      find: (tenantId: string, id: string) => findSentMessage(deps, tenantId, id),
      /** The tenant's sent messages, newest first, with each one's overall status. */
      list: (tenantId: string, query: SentListQuery) => listSentMessages(deps, tenantId, query),
      /** A delivery worker of this process (start() it; stop() waits for deliveries in flight). */
      createWorker: (options?: DeliveryWorkerOptions) => sending.createWorker(options),
      /** SMTP submission on config.smtp.submissionPort (or `listenOn`); close() it to stop. */
      startSubmission: (tls?: { key: Buffer; cert: Buffer }, listenOn?: { host: string; port: number }) =>
        startSubmissionServer(deps, sending.context, tls, messageMemory, listenOn),
      systemDkimKey: () => sending.context.systemKey(),
    },

    // events
    events: {
      /** The tenant's events in log order, a page at a time. */
      list: (tenantId: string, query: EventListQuery) => listEvents(deps, tenantId, query),
      /** The tenant's events as they happen (resuming after `lastEventId` without a gap). */
      stream: (tenantId: string, options: StreamOptions) => openEventStream(deps, eventTail, tenantId, options),
      /** Ends every open stream (shutdown). */
      closeStreams: () => eventTail.close(),
    },
    // webhooks
    webhooks: {
      create: (tenantId: string, input: CreateWebhookInput) => createWebhook(webhooks, tenantId, input),
      list: (tenantId: string) => listWebhooks(webhooks, tenantId),
      get: (tenantId: string, id: string) => getWebhook(webhooks, tenantId, id),
      update: (tenantId: string, id: string, input: Omit<UpdateWebhookInput, "id">) =>
        updateWebhook(webhooks, tenantId, id, input),
      delete: (tenantId: string, id: string) => deleteWebhook(webhooks, tenantId, id),
      rotateSecret: (tenantId: string, id: string) => rotateWebhookSecret(webhooks, tenantId, id),
      test: (tenantId: string, id: string) => testWebhook(webhooks, tenantId, id),
      deliveries: (tenantId: string, id: string, page: Parameters<typeof listWebhookDeliveries>[3]) =>
        listWebhookDeliveries(webhooks, tenantId, id, page),
      retryDelivery: (tenantId: string, id: string, deliveryId: string) =>
        retryWebhookDelivery(webhooks, tenantId, id, deliveryId),
      replay: (tenantId: string, id: string, range: Parameters<typeof replayWebhook>[3]) =>
        replayWebhook(webhooks, tenantId, id, range),
      /** Turn new events into deliveries now (workers do this on their own); deliveries queued. */
      dispatch: () => dispatchAll(deps.db),
      /** A webhook worker of this process (start() it; stop() finishes the attempts in flight). */
      createWorker: (options?: WebhookWorkerOptions) => {
        const worker = new WebhookWorker(deps, secrets, options);
        webhookWorkers.add(worker);
        return worker;
      },
    },
    // mail clients
    mailClients: {
      /** POP3 (and POP3S with `tls`) on config.pop3 (or `listenOn`); close() it to stop. */
      startPop3: (tls?: { key: Buffer; cert: Buffer }, listenOn?: Pop3ListenOn) => startPop3Server(deps, tls, listenOn),
    },

    maintenance: {
      /** Deletes events older than MAILROOM_EVENT_RETENTION_DAYS; returns how many. */
      pruneEvents: () => pruneOldEvents(deps),
      pruneRateLimitWindows: () => pruneRateLimitWindows(deps),
      pruneMailboxTokens: () => pruneExpiredMailboxTokens(deps),
      purgeExpiredMailboxes: () => purgeExpiredMailboxes(deps),
      pruneIdempotencyKeys: () => pruneIdempotencyKeys(deps.db),
      purgeUnreferencedMessageContents: () => purgeUnreferencedContents(deps),
      /** Finished webhook deliveries are kept as long as events (MAILROOM_EVENT_RETENTION_DAYS). */
      pruneWebhookDeliveries: () => pruneFinishedDeliveries(deps.db, deps.config.events.retentionDays),
    },
  };
}

export type Core = Awaited<ReturnType<typeof createCore>>;

/** The admin key gets the most generous plan's limit. */
function rateLimitFor(deps: CoreDeps, principal: Principal): number {
  return principal.kind === "admin" ? deps.config.rateLimits.lifetime : deps.config.rateLimits[principal.tenant.plan];
}
