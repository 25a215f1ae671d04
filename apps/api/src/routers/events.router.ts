import { eventTypesOf, zEventListInput, zEventListOutput } from "@mailroom/contracts";
import { router, tenantProcedure } from "../trpc.js";

const tags = ["Events"];

export const eventsRouter = router({
  list: tenantProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/events",
        tags,
        summary: "List this tenant's events, oldest first (GET /events/stream streams them as they happen)",
      },
    })
    .input(zEventListInput)
    .output(zEventListOutput)
    .query(async ({ ctx, input }) => {
      const page = await ctx.core.events.list(ctx.tenant.id, {
        types: eventTypesOf(input.type),
        since: input.since === undefined ? undefined : new Date(input.since),
        cursor: input.cursor,
        limit: input.limit,
      });
      return { events: page.events, next_cursor: page.nextCursor };
    }),
});
