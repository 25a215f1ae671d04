import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import { EXAMPLE_TIMES, example, zCursor, zDateTimeInput, zJsonBoolean, zQueryInteger, zTimestamp } from "./common.js";
import { EVENT_TYPES, zEventType } from "./events.js";

/*
 * Webhooks: endpoints that receive the tenant's events as signed HTTP POSTs (Standard Webhooks),
 * delivered at least once from the event log.
 */

/** Endpoints one tenant may register. */
export const MAX_WEBHOOKS_PER_TENANT = 20;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 500;
/** mailbox_ids or domain_ids one endpoint may filter on. */
export const MAX_WEBHOOK_FILTER_IDS = 100;
/** Events one replay call queues at most. */
export const MAX_WEBHOOK_REPLAY = 10_000;

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

const ALL_EVENTS = "*";
const EVENTS_MESSAGE = `Events must be ["*"] or a list of ${EVENT_TYPES.join(", ")}`;

// Either ["*"] alone or a list of types: a union, so the OpenAPI document says exactly what passes.
export const zWebhookEvents = z
  .union([z.tuple([z.literal(ALL_EVENTS)]), z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length)], {
    error: (issue) => (issue.input === undefined ? undefined : EVENTS_MESSAGE),
  })
  .describe('The event types to send, or ["*"] for every type (also those added later)');

const zUrl = z
  .string({ error: "URL is required" })
  .min(1, "URL is required")
  .max(MAX_WEBHOOK_URL_LENGTH, `URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .describe("http:// or https://, no credentials; it must not resolve to a private, loopback or link-local address");

const zDescription = z
  .string()
  .max(MAX_WEBHOOK_DESCRIPTION_LENGTH, `Description must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`);

const zMailboxIds = z
  .array(zId("mailbox"))
  .max(MAX_WEBHOOK_FILTER_IDS, `At most ${MAX_WEBHOOK_FILTER_IDS} mailbox ids`)
  .describe("Only events about these mailboxes of yours; empty or absent = every mailbox");
const zDomainIds = z
  .array(zId("domain"))
  .max(MAX_WEBHOOK_FILTER_IDS, `At most ${MAX_WEBHOOK_FILTER_IDS} domain ids`)
  .describe("Only events about these domains of yours; empty or absent = every domain");

export const zWebhook = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  mailbox_ids: z.array(z.string()),
  domain_ids: z.array(z.string()),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe("Why the endpoint was disabled; null while enabled"),
  disabled_at: zTimestamp.nullable(),
  created_at: zTimestamp,
  updated_at: zTimestamp,
});
export type Webhook = z.infer<typeof zWebhook>;

export const zCreatedWebhook = zWebhook.extend({
  secret: z.string().describe("whsec_…: the signing secret, shown only now"),
});
export type CreatedWebhook = z.infer<typeof zCreatedWebhook>;

export const zCreateWebhookInput = z.object({
  url: zUrl,
  events: zWebhookEvents.default([ALL_EVENTS]),
  mailbox_ids: zMailboxIds.optional(),
  domain_ids: zDomainIds.optional(),
  description: zDescription.optional(),
});
export type CreateWebhookInput = z.infer<typeof zCreateWebhookInput>;

export const zWebhookIdInput = z.object({ id: zId("webhook") });

export const zUpdateWebhookInput = zWebhookIdInput.extend({
  url: zUrl.optional(),
  events: zWebhookEvents.optional(),
  mailbox_ids: zMailboxIds.optional(),
  domain_ids: zDomainIds.optional(),
  description: zDescription.nullable().optional().describe("null clears it"),
  enabled: zJsonBoolean().optional().describe("true re-enables a disabled endpoint; false stops deliveries to it"),
});
export type UpdateWebhookInput = z.infer<typeof zUpdateWebhookInput>;

export const zListWebhooksOutput = z.object({ webhooks: z.array(zWebhook) });

export const zRotatedWebhookSecret = z.object({
  id: z.string(),
  secret: z.string().describe("whsec_…: the new signing secret, shown only now"),
  previous_secret_expires_at: zTimestamp.describe("Until then requests carry a signature by the old secret too"),
});
export type RotatedWebhookSecret = z.infer<typeof zRotatedWebhookSecret>;

/** What one HTTP attempt came to. */
export const zWebhookAttemptResult = z.object({
  success: z.boolean().describe("The endpoint answered 2xx"),
  http_status: z.number().int().nullable().describe("null when no response came (refused, timed out)"),
  duration_ms: z.number().int(),
  error: z.string().nullable().describe("Why it failed, with up to 1 KB of the response body"),
});

export const zWebhookTestResult = zWebhookAttemptResult.extend({
  event_id: z.string().describe("The webhook.test event's id (also the webhook-id header)"),
});
export type WebhookTestResult = z.infer<typeof zWebhookTestResult>;

export const zWebhookAttempt = z.object({
  at: zTimestamp,
  http_status: z.number().int().nullable(),
  duration_ms: z.number().int(),
  error: z.string().nullable(),
});
export type WebhookAttempt = z.infer<typeof zWebhookAttempt>;

export const zWebhookDelivery = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string().describe("Also the webhook-id header, the same on every attempt"),
  event_type: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  last_http_status: z.number().int().nullable(),
  last_duration_ms: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: zTimestamp.nullable().describe("When the next attempt is due (pending only)"),
  created_at: zTimestamp,
  history: z.array(zWebhookAttempt).describe("Every attempt, oldest first"),
});
export type WebhookDelivery = z.infer<typeof zWebhookDelivery>;

export const zListWebhookDeliveriesInput = zWebhookIdInput.extend({
  limit: zQueryInteger({ min: 1, max: 100 })
    .default(50)
    .meta({ examples: [20] }),
  cursor: zCursor("webhookDelivery").optional(),
  status: z
    .enum(WEBHOOK_DELIVERY_STATUSES, { error: `Status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(", ")}` })
    .optional(),
});
export const zListWebhookDeliveriesOutput = z.object({
  deliveries: z.array(zWebhookDelivery).describe("Newest first"),
  next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last page"),
});

export const zRetryWebhookDeliveryInput = zWebhookIdInput.extend({ delivery_id: zId("webhookDelivery") });

export const zReplayWebhookInput = zWebhookIdInput.extend({
  since: zDateTimeInput().describe("Events from this moment (inclusive)"),
  until: zDateTimeInput().optional().describe("Events before this moment; absent = now"),
  types: z
    .array(zEventType)
    .max(EVENT_TYPES.length)
    .optional()
    .describe("Only these types (within the endpoint's own filter); absent = the endpoint's filter alone"),
});
export const zReplayWebhookOutput = z.object({
  queued: z.number().int().describe(`Deliveries queued (at most ${MAX_WEBHOOK_REPLAY} per call)`),
  limit_reached: z
    .boolean()
    .describe("More events matched than one call queues: call again with `since` after the last one sent"),
});

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleWebhook = {
  id: EXAMPLE_IDS.webhook,
  url: "https://hooks.example.com/mailroom",
  description: "Support inbox → ticketing",
  events: ["message.received", "delivery.bounced"],
  mailbox_ids: [EXAMPLE_IDS.mailbox],
  domain_ids: [],
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  created_at: EXAMPLE_TIMES.created,
  updated_at: EXAMPLE_TIMES.created,
} as const satisfies Webhook;
const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

example(zWebhook, {
  ...exampleWebhook,
  events: [...exampleWebhook.events],
  mailbox_ids: [...exampleWebhook.mailbox_ids],
  domain_ids: [],
});
example(zCreatedWebhook, {
  ...exampleWebhook,
  events: [...exampleWebhook.events],
  mailbox_ids: [...exampleWebhook.mailbox_ids],
  domain_ids: [],
  secret: exampleSecret,
});
example(zCreateWebhookInput, {
  url: "https://hooks.example.com/mailroom",
  events: ["message.received", "delivery.bounced"],
  mailbox_ids: [EXAMPLE_IDS.mailbox],
  description: "Support inbox → ticketing",
});
example(zUpdateWebhookInput, { id: EXAMPLE_IDS.webhook, enabled: true });
example(zRotatedWebhookSecret, {
  id: EXAMPLE_IDS.webhook,
  secret: "whsec_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAA",
  previous_secret_expires_at: EXAMPLE_TIMES.expires,
});
example(zWebhookTestResult, {
  success: true,
  http_status: 200,
  duration_ms: 84,
  error: null,
  event_id: EXAMPLE_IDS.event,
});
const exampleDelivery = {
  id: EXAMPLE_IDS.webhookDelivery,
  webhook_id: EXAMPLE_IDS.webhook,
  event_id: EXAMPLE_IDS.event,
  event_type: "message.received",
  status: "succeeded",
  attempts: 2,
  last_http_status: 200,
  last_duration_ms: 61,
  last_error: null,
  next_attempt_at: null,
  created_at: EXAMPLE_TIMES.received,
  history: [
    { at: EXAMPLE_TIMES.received, http_status: 503, duration_ms: 112, error: "HTTP 503: upstream unavailable" },
    { at: EXAMPLE_TIMES.later, http_status: 200, duration_ms: 61, error: null },
  ],
} as const satisfies WebhookDelivery;
example(zWebhookDelivery, { ...exampleDelivery, history: [...exampleDelivery.history] });
example(zListWebhookDeliveriesOutput, {
  deliveries: [{ ...exampleDelivery, history: [...exampleDelivery.history] }],
  next_cursor: null,
});
example(zListWebhooksOutput, {
  webhooks: [
    { ...exampleWebhook, events: [...exampleWebhook.events], mailbox_ids: [...exampleWebhook.mailbox_ids], domain_ids: [] },
  ],
});
example(zListWebhookDeliveriesInput.shape.status, "failed");
example(zReplayWebhookInput, {
  id: EXAMPLE_IDS.webhook,
  since: EXAMPLE_TIMES.created,
  until: EXAMPLE_TIMES.later,
  types: ["message.received"],
});
example(zReplayWebhookOutput, { queued: 42, limit_reached: false });
