import {
  zCreatedWebhook,
  zCreateWebhookInput,
  zDeleted,
  zListWebhookDeliveriesInput,
  zListWebhookDeliveriesOutput,
  zListWebhooksOutput,
  zReplayWebhookInput,
  zReplayWebhookOutput,
  zRetryWebhookDeliveryInput,
  zRotatedWebhookSecret,
  zUpdateWebhookInput,
  zWebhook,
  zWebhookDelivery,
  zWebhookIdInput,
  zWebhookTestResult,
} from "@mailroom/contracts";
import { z } from "zod";
import { router, tenantProcedure } from "../trpc.js";

const tags = ["Webhooks"];

export const webhooksRouter = router({
  create: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks",
        tags,
        summary: "Register a webhook endpoint; its signing secret is shown once",
      },
      successStatus: 201,
    })
    .input(zCreateWebhookInput)
    .output(zCreatedWebhook)
    .mutation(({ ctx, input }) => ctx.core.webhooks.create(ctx.tenant.id, input)),

  list: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/webhooks", tags, summary: "List this tenant's webhook endpoints" } })
    .input(z.void())
    .output(zListWebhooksOutput)
    .query(({ ctx }) => ctx.core.webhooks.list(ctx.tenant.id)),

  get: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/webhooks/{id}", tags, summary: "Show a webhook endpoint (never its secret)" } })
    .input(zWebhookIdInput)
    .output(zWebhook)
    .query(({ ctx, input }) => ctx.core.webhooks.get(ctx.tenant.id, input.id)),

  update: tenantProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/webhooks/{id}",
        tags,
        summary: "Change a webhook endpoint's URL, events, filters or description; enable or disable it",
      },
    })
    .input(zUpdateWebhookInput)
    .output(zWebhook)
    .mutation(({ ctx, input }) => {
      const { id, ...changes } = input;
      return ctx.core.webhooks.update(ctx.tenant.id, id, changes);
    }),

  delete: tenantProcedure
    .meta({
      openapi: { method: "DELETE", path: "/webhooks/{id}", tags, summary: "Delete a webhook endpoint and its deliveries" },
    })
    .input(zWebhookIdInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.webhooks.delete(ctx.tenant.id, input.id);
      return { deleted: true as const };
    }),

  rotateSecret: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/{id}/rotate-secret",
        tags,
        summary: "A new signing secret; the old one keeps signing alongside it for 24 hours",
      },
    })
    .input(zWebhookIdInput)
    .output(zRotatedWebhookSecret)
    .mutation(({ ctx, input }) => ctx.core.webhooks.rotateSecret(ctx.tenant.id, input.id)),

  test: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/{id}/test",
        tags,
        summary: "Send a webhook.test event to the endpoint now and report the attempt",
      },
    })
    .input(zWebhookIdInput)
    .output(zWebhookTestResult)
    .mutation(({ ctx, input }) => ctx.core.webhooks.test(ctx.tenant.id, input.id)),

  deliveries: tenantProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/webhooks/{id}/deliveries",
        tags,
        summary: "An endpoint's deliveries, newest first, each with its attempts",
      },
    })
    .input(zListWebhookDeliveriesInput)
    .output(zListWebhookDeliveriesOutput)
    .query(({ ctx, input }) => {
      const { id, ...page } = input;
      return ctx.core.webhooks.deliveries(ctx.tenant.id, id, page);
    }),

  retryDelivery: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/{id}/deliveries/{delivery_id}/retry",
        tags,
        summary: "Send a delivery again now, even one that failed",
      },
    })
    .input(zRetryWebhookDeliveryInput)
    .output(zWebhookDelivery)
    .mutation(({ ctx, input }) => ctx.core.webhooks.retryDelivery(ctx.tenant.id, input.id, input.delivery_id)),

  replay: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/webhooks/{id}/replay",
        tags,
        summary: "Send past events again (those the endpoint's filters and `types` match, at most 10,000 per call)",
      },
    })
    .input(zReplayWebhookInput)
    .output(zReplayWebhookOutput)
    .mutation(({ ctx, input }) => {
      const { id, ...range } = input;
      return ctx.core.webhooks.replay(ctx.tenant.id, id, range);
    }),
});
