import type { Kysely, Transaction } from "kysely";
import type { DeliveryTable, IdempotencyKeyTable, OutboundMessageTable, ServerKeyTable } from "../delivery/delivery.table.js";
import type { DomainTable } from "../domains/domain.table.js";
import type { EventTable } from "../events/event.table.js";
import type { FolderTable } from "../folders/folder.table.js";
import type { ApiKeyTable, ServerSecretTable } from "../keys/api-key.table.js";
import type { MailboxTable } from "../mailboxes/mailbox.table.js";
import type { MessageContentTable, MessageTable } from "../messages/message.table.js";
import type { MailboxTokenTable } from "../sessions/mailbox-token.table.js";
import type { RateLimitWindowTable } from "../rate-limit/rate-limit.table.js";
import type { TenantTable } from "../tenants/tenant.table.js";
import type {
  WebhookAttemptTable,
  WebhookDeliveryTable,
  WebhookDispatchCursorTable,
  WebhookEndpointTable,
} from "../webhooks/webhook.table.js";

export interface Database {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  server_secrets: ServerSecretTable;
  rate_limit_windows: RateLimitWindowTable;
  domains: DomainTable;
  mailboxes: MailboxTable;
  mailbox_tokens: MailboxTokenTable;
  // sending
  outbound_messages: OutboundMessageTable;
  deliveries: DeliveryTable;
  idempotency_keys: IdempotencyKeyTable;
  server_keys: ServerKeyTable;
  message_contents: MessageContentTable;
  messages: MessageTable;
  events: EventTable;
  folders: FolderTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  webhook_dispatch_cursor: WebhookDispatchCursorTable;
}

/** What repositories take first: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
