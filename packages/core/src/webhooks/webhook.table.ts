import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export interface WebhookEndpointTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** JSON text on insert (`["*"]` or event types); the parsed array on select. */
  event_types: unknown;
  mailbox_ids: unknown;
  domain_ids: unknown;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  /** The signing secret, sealed by SecretBox. */
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  locked_until: Date | null;
  lease_token: string | null;
  claimed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type NewWebhookEndpointRow = Insertable<WebhookEndpointTable>;
export type WebhookEndpointUpdate = Updateable<WebhookEndpointTable>;

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  event_id: string;
  event_type: string;
  event_txid: string;
  event_seq: string;
  status: Generated<"pending" | "succeeded" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  last_http_status: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type NewWebhookDeliveryRow = Insertable<WebhookDeliveryTable>;

export interface WebhookAttemptTable {
  id: Generated<string>;
  delivery_id: string;
  attempted_at: Date;
  http_status: number | null;
  duration_ms: number;
  error: string | null;
}
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;

export interface WebhookDispatchCursorTable {
  id: string;
  txid: string;
  seq: string;
  updated_at: Generated<Date>;
}
