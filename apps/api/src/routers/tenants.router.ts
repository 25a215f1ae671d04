import {
  zCreateTenantInput,
  zCreateTenantOutput,
  zCreatedApiKey,
  zCreateTenantKeyInput,
  zListTenantsOutput,
} from "@mailroom/contracts";
import { z } from "zod";
import { adminProcedure, router } from "../trpc.js";

const tags = ["Admin"];

export const tenantsRouter = router({
  create: adminProcedure
    .meta({
      openapi: { method: "POST", path: "/admin/tenants", tags, summary: "Create a tenant and its first API key" },
      successStatus: 201,
    })
    .input(zCreateTenantInput)
    .output(zCreateTenantOutput)
    .mutation(async ({ ctx, input }) => {
      const { tenant, apiKey } = await ctx.core.tenants.create(input);
      return { ...tenant, api_key: apiKey.api_key };
    }),

  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/admin/tenants", tags, summary: "List tenants" } })
    .input(z.void())
    .output(zListTenantsOutput)
    .query(({ ctx }) => ctx.core.tenants.list()),

  createKey: adminProcedure
    .meta({
      openapi: { method: "POST", path: "/admin/tenants/{id}/keys", tags, summary: "Issue an API key for a tenant" },
      successStatus: 201,
    })
    .input(zCreateTenantKeyInput)
    .output(zCreatedApiKey)
    .mutation(({ ctx, input }) => ctx.core.keys.create(input.id, { name: input.name })),
});
