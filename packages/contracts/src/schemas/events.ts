import { z } from "zod";
import { EXAMPLE_IDS } from "../ids.js";
import { example, zTimestamp } from "./common.js";

/*
 * The event log: every state change a tenant may want to hear about, written in the same
 * statement or transaction as the change itself (an outbox), read back by GET /events, the
 * event stream and the webhook dispatcher.
 */

export const EVENT_TYPES = [
  "message.received",
  "message.sent",
  "delivery.sent",
  "delivery.deferred",
  "delivery.bounced",
  "delivery.failed",
  "domain.verified",
  "domain.failed",
  "mailbox.created",
  "mailbox.deleted",
  "mailbox.expired",
  "webhook.disabled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent only to one endpoint by POST /webhooks/{id}/test; never stored in the log. */
export const TEST_EVENT_TYPE = "webhook.test";

const EVENT_TYPE_MESSAGE = `Must be one of ${EVENT_TYPES.join(", ")}`;

export const zEventType = z.enum(EVENT_TYPES, { error: EVENT_TYPE_MESSAGE }).meta({ examples: ["message.received"] });

/** The body of every event, in the API, on the stream and in a webhook request. */
export const zEvent = z.object({
  id: z.string().describe("evt_…; also the webhook-id header and the stream's event id"),
  type: z.string().describe(`One of ${EVENT_TYPES.join(", ")} (or ${TEST_EVENT_TYPE} from a test request)`),
  timestamp: zTimestamp,
  data: z.record(z.string(), z.unknown()).describe("What the type describes; see the README's event catalogue"),
});
export type MailroomEvent = z.infer<typeof zEvent>;
example(zEvent, {
  id: EXAMPLE_IDS.event,
  type: "mailbox.created",
  timestamp: "2026-11-24T09:30:00.000Z",
  data: { mailbox_id: EXAMPLE_IDS.mailbox, address: "support@example.com" },
});
