import type { Executor } from "../db/database.js";

/**
 * Where domains meet mailboxes (issue 4). Domain deletion asks these; they live apart so the
 * mailboxes feature can wire them without touching the domain service.
 */

/** How many mailboxes exist on the domain; a domain with any is not deleted without force. */
export async function countMailboxesOnDomain(_db: Executor, _domainId: string): Promise<number> {
  // issue 4 wires this: count the domain's mailboxes.
  return 0;
}

/** Remove the domain's mailboxes and their mail, inside the caller's transaction (force delete). */
export async function removeMailboxesOnDomain(_db: Executor, _domainId: string): Promise<void> {
  // issue 4 wires this: delete the domain's mailboxes and their messages.
}
