import {
  zCreateDomainInput,
  zDeleted,
  zDeleteDomainInput,
  zDomain,
  zDomainDns,
  zDomainIdInput,
  zDomainVerification,
  zListDomainsInput,
  zListDomainsOutput,
  zUpdateDomainInput,
  zVerifyDomainInput,
} from "@mailroom/contracts";
import { router, tenantProcedure } from "../trpc.js";

const tags = ["Domains"];

export const domainsRouter = router({
  create: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/domains",
        tags,
        summary: "Add a custom domain and get the DNS records to publish",
      },
      successStatus: 201,
    })
    .input(zCreateDomainInput)
    .output(zDomain)
    .mutation(({ ctx, input }) => ctx.core.domains.create(ctx.tenant.id, input)),

  list: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/domains", tags, summary: "List this tenant's domains" } })
    .input(zListDomainsInput)
    .output(zListDomainsOutput)
    .query(({ ctx, input }) => ctx.core.domains.list(ctx.tenant.id, input)),

  get: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/domains/{id}", tags, summary: "Show a domain" } })
    .input(zDomainIdInput)
    .output(zDomain)
    .query(({ ctx, input }) => ctx.core.domains.get(ctx.tenant.id, input.id)),

  update: tenantProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/domains/{id}",
        tags,
        summary: "Change a domain's catch-all mailbox (catch_all_account_id; null clears it)",
      },
    })
    .input(zUpdateDomainInput)
    .output(zDomain)
    .mutation(({ ctx, input }) => {
      const { id, ...changes } = input;
      return ctx.core.domains.update(ctx.tenant.id, id, changes);
    }),

  dns: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/domains/{id}/dns", tags, summary: "The DNS records to publish" } })
    .input(zDomainIdInput)
    .output(zDomainDns)
    .query(({ ctx, input }) => ctx.core.domains.dns(ctx.tenant.id, input.id)),

  verify: tenantProcedure
    .meta({
      openapi: { method: "POST", path: "/domains/{id}/verify", tags, summary: "Look the records up in DNS now" },
    })
    .input(zVerifyDomainInput)
    .output(zDomainVerification)
    .mutation(({ ctx, input }) => ctx.core.domains.verify(ctx.tenant.id, input.id, { requireDkim: input.require_dkim })),

  delete: tenantProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/domains/{id}",
        tags,
        summary: "Delete a domain (409 while it has mailboxes, unless force=true)",
      },
    })
    .input(zDeleteDomainInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.domains.delete(ctx.tenant.id, input.id, { force: input.force });
      return { deleted: true as const };
    }),
});
