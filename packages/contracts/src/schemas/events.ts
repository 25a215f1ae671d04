import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import { EXAMPLE_TIMES, example, zCursor, zCursorPage, zDateTimeInput, zTimestamp } from "./common.js";

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

/** `a, b` → [a, b]: a `type` query value may list several types. */
function splitTypes(value: string): string[] {
  return value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Every type a list of `type` query values names (each value may be comma-separated), once each. */
export function eventTypesOf(values: readonly string[] | undefined): EventType[] | undefined {
  if (values === undefined) return undefined;
  return [...new Set(values.flatMap(splitTypes))] as EventType[];
}

/**
 * `type` in a query string: one type, or several comma-separated (`type=a,b`), the parameter
 * repeatable (`type=a&type=b`). Each unknown value is named in the error. A refinement, not a
 * transform, so the document keeps its examples; eventTypesOf reads the values.
 */
const zEventTypeParam = z.string().superRefine((value, ctx) => {
  for (const part of splitTypes(value)) {
    if (!(EVENT_TYPES as readonly string[]).includes(part)) {
      ctx.addIssue({ code: "custom", message: `Unknown event type "${part}". ${EVENT_TYPE_MESSAGE}` });
    }
  }
});

const zEventTypes = z
  .array(zEventTypeParam)
  .meta({ examples: [["message.received", "delivery.bounced,delivery.failed"]] })
  .optional()
  .describe("Only these types: repeat the parameter or separate types with commas");

export const zEventListInput = zCursorPage("event").extend({
  type: zEventTypes,
  since: zDateTimeInput().optional().describe("Only events written at or after this time"),
  cursor: zCursor("event")
    .optional()
    .describe("An event id: the events after it (a page's next_cursor, or the last event you saw)"),
});
export type EventListInput = z.infer<typeof zEventListInput>;

export const zEventListOutput = z.object({
  events: z.array(zEvent).describe("Oldest first, in the order they were committed"),
  next_cursor: z
    .string()
    .nullable()
    .describe("Pass as `cursor` for the next page; null when there are no more events now (poll with your last event's id)")
    .meta({ examples: [EXAMPLE_IDS.event] }),
});
export type EventListOutput = z.infer<typeof zEventListOutput>;

/** GET /events/stream's query (a Server-Sent Events route, not a procedure). */
export const zEventStreamQuery = z.object({
  type: zEventTypes,
  mailbox_id: zId("mailbox").optional().describe("Only events of this mailbox"),
  last_event_id: zId("event").optional().describe("Resume after this event; the Last-Event-ID header wins when both are sent"),
});
export type EventStreamQuery = z.infer<typeof zEventStreamQuery>;

example(zEventListOutput, {
  events: [
    {
      id: EXAMPLE_IDS.event,
      type: "mailbox.created",
      timestamp: EXAMPLE_TIMES.created,
      data: { mailbox_id: EXAMPLE_IDS.mailbox, address: "support@example.com" },
    },
  ],
  next_cursor: null,
});
