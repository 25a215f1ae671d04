import {
  type CreatedWebhook,
  type CreateWebhookInput,
  MAX_WEBHOOK_REPLAY,
  MAX_WEBHOOKS_PER_TENANT,
  MailroomError,
  TEST_EVENT_TYPE,
  type RotatedWebhookSecret,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookTestResult,
} from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { WebhookSender } from "./webhook-request.js";
import { ROTATION_OVERLAP_MS, type WebhookSecrets } from "./webhook-secrets.js";
import { newWebhookSecret } from "./webhook-signature.js";
import { assertAllowedTarget, parseWebhookUrl, targetPolicy } from "./webhook-target.js";
import {
  attemptsOf,
  countEndpointsLocked,
  deleteTenantEndpoint,
  disableEndpoint,
  findEndpointDelivery,
  findTenantEndpoint,
  insertDeliveries,
  insertEndpoint,
  listEndpointDeliveries,
  listTenantEndpoints,
  matchPastEvents,
  ownedIds,
  requeueDelivery,
  updateTenantEndpoint,
} from "./webhook.repository.js";
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookEndpointUpdate } from "./webhook.table.js";

/** What the webhook services share: dependencies, the secret store, and a sender for test requests. */
export interface WebhookContext {
  deps: CoreDeps;
  secrets: WebhookSecrets;
  sender: WebhookSender;
  /** Wake this process's worker (a delivery was queued). */
  kick: () => void;
}

export function createWebhookContext(deps: CoreDeps, secrets: WebhookSecrets, kick: () => void): WebhookContext {
  return { deps, secrets, sender: new WebhookSender(targetPolicy(deps.config)), kick };
}

const jsonArray = (value: unknown): string[] => (typeof value === "string" ? JSON.parse(value) : value) as string[];

export function toWebhook(row: WebhookEndpointRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: jsonArray(row.event_types),
    mailbox_ids: jsonArray(row.mailbox_ids),
    domain_ids: jsonArray(row.domain_ids),
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A checked URL: http(s), no credentials, and (unless allowed) no private target. */
async function checkedUrl(ctx: WebhookContext, text: string): Promise<string> {
  const url = parseWebhookUrl(text);
  await assertAllowedTarget(url, targetPolicy(ctx.deps.config));
  return url.href;
}

/** The filters, when each id names one of the tenant's mailboxes / domains. */
async function checkFilters(
  ctx: WebhookContext,
  tenantId: string,
  filters: { mailbox_ids?: string[] | undefined; domain_ids?: string[] | undefined },
): Promise<void> {
  for (const [field, table, ids] of [
    ["mailbox_ids", "mailboxes", filters.mailbox_ids ?? []],
    ["domain_ids", "domains", filters.domain_ids ?? []],
  ] as const) {
    const owned = await ownedIds(ctx.deps.db, table, tenantId, ids);
    const stranger = ids.find((id) => !owned.has(id));
    if (stranger !== undefined) {
      throw new MailroomError("WEBHOOK_FILTER_INVALID", `${field} names ${stranger}, which is not one of your ${table}`);
    }
  }
}

export async function createWebhook(ctx: WebhookContext, tenantId: string, input: CreateWebhookInput): Promise<CreatedWebhook> {
  const url = await checkedUrl(ctx, input.url);
  await checkFilters(ctx, tenantId, input);
  const secret = newWebhookSecret();
  const row = await ctx.deps.db.transaction().execute(async (trx) => {
    if ((await countEndpointsLocked(trx, tenantId)) >= MAX_WEBHOOKS_PER_TENANT) {
      throw new MailroomError(
        "WEBHOOK_LIMIT_REACHED",
        `You have ${MAX_WEBHOOKS_PER_TENANT} webhook endpoints, the most a tenant may have`,
      );
    }
    return insertEndpoint(trx, {
      id: newId("webhook"),
      tenant_id: tenantId,
      url,
      description: input.description ?? null,
      event_types: JSON.stringify([...new Set(input.events)]),
      mailbox_ids: JSON.stringify([...new Set(input.mailbox_ids ?? [])]),
      domain_ids: JSON.stringify([...new Set(input.domain_ids ?? [])]),
      secret_sealed: ctx.secrets.seal(secret),
      previous_secret_sealed: null,
      previous_secret_until: null,
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      locked_until: null,
      lease_token: null,
      claimed_at: null,
    });
  });
  return { ...toWebhook(row), secret };
}

export async function listWebhooks(ctx: WebhookContext, tenantId: string): Promise<{ webhooks: Webhook[] }> {
  return { webhooks: (await listTenantEndpoints(ctx.deps.db, tenantId)).map(toWebhook) };
}

async function mustFind(ctx: WebhookContext, tenantId: string, id: string): Promise<WebhookEndpointRow> {
  const row = await findTenantEndpoint(ctx.deps.db, tenantId, id);
  if (!row) throw new MailroomError("WEBHOOK_NOT_FOUND");
  return row;
}

export async function getWebhook(ctx: WebhookContext, tenantId: string, id: string): Promise<Webhook> {
  return toWebhook(await mustFind(ctx, tenantId, id));
}

export async function updateWebhook(
  ctx: WebhookContext,
  tenantId: string,
  id: string,
  input: Omit<UpdateWebhookInput, "id">,
): Promise<Webhook> {
  const current = await mustFind(ctx, tenantId, id);
  const patch: WebhookEndpointUpdate = {};
  if (input.url !== undefined) patch.url = await checkedUrl(ctx, input.url);
  await checkFilters(ctx, tenantId, input);
  if (input.events !== undefined) patch.event_types = JSON.stringify([...new Set(input.events)]);
  if (input.mailbox_ids !== undefined) patch.mailbox_ids = JSON.stringify([...new Set(input.mailbox_ids)]);
  if (input.domain_ids !== undefined) patch.domain_ids = JSON.stringify([...new Set(input.domain_ids)]);
  if (input.description !== undefined) patch.description = input.description;
  if (input.enabled === true && !current.enabled) {
    // A fresh start: the failing streak that disabled it is forgotten.
    Object.assign(patch, { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null });
  }
  const row = await ctx.deps.db.transaction().execute(async (trx) => {
    const updated = await updateTenantEndpoint(trx, tenantId, id, patch);
    if (!updated) throw new MailroomError("WEBHOOK_NOT_FOUND");
    if (input.enabled === false && updated.enabled) return disableEndpoint(trx, updated, "Disabled through the API");
    return updated;
  });
  if (row.enabled && !current.enabled) ctx.kick();
  return toWebhook(row);
}

export async function deleteWebhook(ctx: WebhookContext, tenantId: string, id: string): Promise<void> {
  if (!(await deleteTenantEndpoint(ctx.deps.db, tenantId, id))) throw new MailroomError("WEBHOOK_NOT_FOUND");
}

/** A new secret; the old one keeps signing alongside for 24 hours (a second rotation ends that at once). */
export async function rotateWebhookSecret(ctx: WebhookContext, tenantId: string, id: string): Promise<RotatedWebhookSecret> {
  const current = await mustFind(ctx, tenantId, id);
  const secret = newWebhookSecret();
  const until = new Date(Date.now() + ROTATION_OVERLAP_MS);
  const row = await updateTenantEndpoint(ctx.deps.db, tenantId, id, {
    secret_sealed: ctx.secrets.seal(secret),
    previous_secret_sealed: current.secret_sealed,
    previous_secret_until: until,
  });
  if (!row) throw new MailroomError("WEBHOOK_NOT_FOUND");
  return { id, secret, previous_secret_expires_at: until.toISOString() };
}

/** Sends a webhook.test event to the endpoint now (enabled or not) and says what came of it; nothing is stored. */
export async function testWebhook(ctx: WebhookContext, tenantId: string, id: string): Promise<WebhookTestResult> {
  const endpoint = await mustFind(ctx, tenantId, id);
  const event = {
    id: newId("event"),
    type: TEST_EVENT_TYPE,
    timestamp: new Date().toISOString(),
    data: { webhook_id: endpoint.id, message: "A test event from Mailroom" },
  };
  const result = await ctx.sender.send({ url: endpoint.url, secrets: ctx.secrets.forSigning(endpoint), event });
  return {
    success: result.success,
    http_status: result.httpStatus,
    duration_ms: result.durationMs,
    error: result.error,
    event_id: event.id,
  };
}

function toDelivery(row: WebhookDeliveryRow, attempts: readonly WebhookAttemptRow[]): WebhookDelivery {
  return {
    id: row.id,
    webhook_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_http_status: row.last_http_status,
    last_duration_ms: row.last_duration_ms,
    last_error: row.last_error,
    next_attempt_at: row.status === "pending" ? (row.next_attempt_at?.toISOString() ?? null) : null,
    created_at: row.created_at.toISOString(),
    history: attempts.map((a) => ({
      at: a.attempted_at.toISOString(),
      http_status: a.http_status,
      duration_ms: a.duration_ms,
      error: a.error,
    })),
  };
}

export async function listWebhookDeliveries(
  ctx: WebhookContext,
  tenantId: string,
  id: string,
  page: { limit: number; cursor?: string | undefined; status?: WebhookDeliveryStatus | undefined },
): Promise<{ deliveries: WebhookDelivery[]; next_cursor: string | null }> {
  await mustFind(ctx, tenantId, id);
  const rows = await listEndpointDeliveries(ctx.deps.db, id, { limit: page.limit, before: page.cursor, status: page.status });
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const attempts = await attemptsOf(
    ctx.deps.db,
    shown.map((r) => r.id),
  );
  return {
    deliveries: shown.map((r) => toDelivery(r, attempts.get(r.id) ?? [])),
    next_cursor: more ? shown.at(-1)!.id : null,
  };
}

/** Due again now, even if it failed for good. */
export async function retryWebhookDelivery(
  ctx: WebhookContext,
  tenantId: string,
  id: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  await mustFind(ctx, tenantId, id);
  if (!(await findEndpointDelivery(ctx.deps.db, id, deliveryId))) throw new MailroomError("WEBHOOK_DELIVERY_NOT_FOUND");
  const row = await requeueDelivery(ctx.deps.db, id, deliveryId);
  if (!row) throw new MailroomError("WEBHOOK_DELIVERY_NOT_FOUND");
  ctx.kick();
  return toDelivery(row, (await attemptsOf(ctx.deps.db, [row.id])).get(row.id) ?? []);
}

/** Queue the tenant's past events (in [since, until), matching the endpoint's filters and `types`) again. */
export async function replayWebhook(
  ctx: WebhookContext,
  tenantId: string,
  id: string,
  range: { since: string; until?: string | undefined; types?: string[] | undefined },
): Promise<{ queued: number; limit_reached: boolean }> {
  await mustFind(ctx, tenantId, id);
  const since = new Date(range.since);
  const until = range.until === undefined ? new Date() : new Date(range.until);
  if (until <= since) {
    throw new MailroomError("VALIDATION_ERROR", undefined, {
      details: [{ path: ["until"], message: "Until must be after since" }],
    });
  }
  const queued = await ctx.deps.db.transaction().execute(async (trx) => {
    const matches = await matchPastEvents(trx, id, { since, until, types: range.types, limit: MAX_WEBHOOK_REPLAY });
    return insertDeliveries(trx, matches);
  });
  if (queued > 0) ctx.kick();
  return { queued, limit_reached: queued >= MAX_WEBHOOK_REPLAY };
}
