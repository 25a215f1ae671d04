import { zSystemDomainsOutput } from "@mailroom/contracts";
import { z } from "zod";
import { router, tenantProcedure } from "../trpc.js";

export const systemDomainsRouter = router({
  list: tenantProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/system-domains",
        tags: ["Emails"],
        summary: "The server's own domains for new addresses, which are premium, and which this plan may use",
      },
    })
    .input(z.void())
    .output(zSystemDomainsOutput)
    .query(({ ctx }) => ({ domains: ctx.core.mailboxes.systemDomains(ctx.tenant.plan) })),
});
