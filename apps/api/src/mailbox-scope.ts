import { MailroomError } from "@mailroom/contracts";
import type { Core, Principal } from "@mailroom/core";

/**
 * What a request may reach of a tenant's mail: every mailbox for a tenant key, one mailbox for a
 * mailbox token. The one place that decides it, for procedures, the byte routes and the event
 * stream alike; a route names the mailbox or message it is about and the scope says yes or no.
 */
export interface MailboxScope {
  tenantId: string;
  /** The one mailbox a mailbox token reaches; undefined for a tenant key (all of the tenant's). */
  mailboxId: string | undefined;
  /** The only sender a mailbox token may use (its mailbox's address); undefined for a tenant key. */
  onlyAs: { address: string } | undefined;
  /** `id` when the request may reach that mailbox; 403 MAILBOX_TOKEN_SCOPE for another one. */
  mailbox(id: string): string;
  /**
   * `id` when the request may reach that message. A message of another mailbox is "not found", as
   * another tenant's is: a token holder learns nothing about the rest of the tenant's mail.
   */
  message(id: string): Promise<string>;
}

export function mailboxScope(core: Core, principal: Principal): MailboxScope {
  if (principal.kind === "admin") throw new MailroomError("TENANT_ONLY");
  const tenantId = principal.tenant.id;
  if (principal.kind === "tenant") {
    return {
      tenantId,
      mailboxId: undefined,
      onlyAs: undefined,
      mailbox: (id) => id,
      message: async (id) => id,
    };
  }
  const own = principal.mailbox;
  return {
    tenantId,
    mailboxId: own.id,
    onlyAs: { address: own.address },
    mailbox: (id) => {
      if (id !== own.id) throw new MailroomError("MAILBOX_TOKEN_SCOPE");
      return id;
    },
    message: async (id) => {
      if ((await core.messages.mailboxOf(tenantId, id)) !== own.id) {
        throw new MailroomError("MESSAGE_NOT_FOUND", `Message ${id} not found`);
      }
      return id;
    },
  };
}
