import {
  MailroomError,
  zCreatedApiKey,
  zCreateKeyInput,
  zDeleted,
  zKeyIdInput,
  zListKeysOutput,
  zWhoami,
} from "@mailroom/contracts";
import { RATE_LIMIT_WINDOW_SECONDS } from "@mailroom/core";
import { z } from "zod";
import { authedProcedure, router, tenantProcedure } from "../trpc.js";

const tags = ["API keys"];

export const keysRouter = router({
  list: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/keys", tags, summary: "List this tenant's active API keys" } })
    .input(z.void())
    .output(zListKeysOutput)
    .query(async ({ ctx }) => ({ keys: await ctx.core.keys.list(ctx.tenant.id) })),

  create: tenantProcedure
    .meta({
      openapi: { method: "POST", path: "/keys", tags, summary: "Create an API key (the secret is shown once)" },
      successStatus: 201,
    })
    .input(zCreateKeyInput)
    .output(zCreatedApiKey)
    .mutation(({ ctx, input }) => ctx.core.keys.create(ctx.tenant.id, { name: input.name })),

  revoke: tenantProcedure
    .meta({ openapi: { method: "DELETE", path: "/keys/{id}", tags, summary: "Revoke an API key" } })
    .input(zKeyIdInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.keys.revoke(ctx.tenant.id, input.id);
      return { deleted: true as const };
    }),

  /** The CLI's `whoami` (tRPC only; REST GET /me is session.me, which also knows mailbox tokens). */
  whoami: authedProcedure
    .use(({ ctx, next }) => {
      if (ctx.principal.kind === "mailbox") throw new MailroomError("MAILBOX_TOKEN_SCOPE");
      return next({ ctx: { principal: ctx.principal } });
    })
    .input(z.void())
    .output(zWhoami)
    .query(({ ctx }) => {
      const p = ctx.principal;
      return {
        kind: p.kind,
        key_id: p.keyId,
        tenant: p.tenant ? { id: p.tenant.id, name: p.tenant.name, plan: p.tenant.plan } : null,
        rate_limit: { limit: ctx.core.auth.rateLimitFor(p), window_seconds: RATE_LIMIT_WINDOW_SECONDS },
      };
    }),
});
