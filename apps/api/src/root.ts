import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { accountsRouter } from "./routers/accounts.router.js";
import { domainsRouter } from "./routers/domains.router.js";
import { emailsRouter } from "./routers/emails.router.js";
import { foldersRouter } from "./routers/folders.router.js";
import { eventsRouter } from "./routers/events.router.js";
import { inboxRouter } from "./routers/inbox.router.js";
import { keysRouter } from "./routers/keys.router.js";
import { sendRouter } from "./routers/send.router.js";
import { sentRouter } from "./routers/sent.router.js";
import { sessionRouter } from "./routers/session.router.js";
import { messagesRouter } from "./routers/messages.router.js";
import { systemDomainsRouter } from "./routers/system-domains.router.js";
import { tenantsRouter } from "./routers/tenants.router.js";
import { webhooksRouter } from "./routers/webhooks.router.js";
import { router } from "./trpc.js";

export const appRouter = router({
  tenants: tenantsRouter,
  keys: keysRouter,
  // mailbox sign-in (tokens and browser sessions)
  session: sessionRouter,
  // domains
  domains: domainsRouter,

  // mailboxes
  accounts: accountsRouter,
  emails: emailsRouter,
  systemDomains: systemDomainsRouter,
  folders: foldersRouter,

  // receiving
  inbox: inboxRouter,
  messages: messagesRouter,

  // sending
  send: sendRouter,
  sent: sentRouter,

  // events
  events: eventsRouter,
  // webhooks
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
