import {
  zAccount,
  zAccountIdInput,
  zCreateAccountInput,
  zDeleted,
  zListAccountsInput,
  zListAccountsOutput,
  zUpdateAccountInput,
  type Account,
} from "@mailroom/contracts";
import type { MailboxView } from "@mailroom/core";
import { mailboxProcedure, router, tenantProcedure } from "../trpc.js";

const tags = ["Accounts"];

/** The hosting-style API's shape of a mailbox. */
export function toAccount(m: MailboxView): Account {
  return {
    id: m.id,
    email: m.address,
    status: m.status,
    receiving: m.receiving,
    created_at: m.createdAt.toISOString(),
    expires_at: m.expiresAt?.toISOString() ?? null,
  };
}

/** The hosting-style API's dialect: snake_case, bare objects. */
export const accountsRouter = router({
  create: tenantProcedure
    .meta({
      openapi: { method: "POST", path: "/accounts", tags, summary: "Create an email account (a mailbox with a password)" },
      successStatus: 201,
    })
    .input(zCreateAccountInput)
    .output(zAccount)
    .mutation(async ({ ctx, input }) =>
      toAccount(
        await ctx.core.mailboxes.create(ctx.tenant.id, {
          username: input.username,
          domain: input.domain,
          password: input.password,
          expiresIn: input.expires_in,
          expiresAt: input.expires_at,
        }),
      ),
    ),

  list: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/accounts", tags, summary: "List email accounts" } })
    .input(zListAccountsInput)
    .output(zListAccountsOutput)
    .query(async ({ ctx, input }) => {
      const page = await ctx.core.mailboxes.list(ctx.tenant.id, input);
      return {
        accounts: page.mailboxes.map((m) => {
          const { id, email, status, receiving, expires_at } = toAccount(m);
          return { id, email, status, receiving, expires_at };
        }),
        total: page.total,
        next_cursor: page.nextCursor,
      };
    }),

  get: mailboxProcedure
    .meta({ openapi: { method: "GET", path: "/accounts/{id}", tags, summary: "Show an email account" } })
    .input(zAccountIdInput)
    .output(zAccount)
    .query(async ({ ctx, input }) => toAccount(await ctx.core.mailboxes.get(ctx.scope.tenantId, ctx.scope.mailbox(input.id)))),

  update: tenantProcedure
    .meta({
      openapi: { method: "PATCH", path: "/accounts/{id}", tags, summary: "Change an account's password, status or expiry" },
    })
    .input(zUpdateAccountInput)
    .output(zAccount)
    .mutation(async ({ ctx, input }) =>
      toAccount(
        await ctx.core.mailboxes.update(ctx.tenant.id, input.id, {
          password: input.password,
          status: input.status,
          expiresIn: input.expires_in,
          expiresAt: input.expires_at,
        }),
      ),
    ),

  delete: tenantProcedure
    .meta({ openapi: { method: "DELETE", path: "/accounts/{id}", tags, summary: "Delete an email account and its mail" } })
    .input(zAccountIdInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.mailboxes.delete(ctx.tenant.id, input.id);
      return { deleted: true as const };
    }),
});
