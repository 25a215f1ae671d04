import { CliError } from "./cli-error.js";
import type { Context } from "./context.js";

export const ACCOUNT_ARGUMENT = "an account id (acc_…) or its address (info@example.com)";

/**
 * An account id as given, or the id of the mailbox with this address, found through the address
 * search of GET /emails: the server's own matching, no second copy of it here.
 */
export async function resolveAccount(ctx: Context, ref: string): Promise<string> {
  if (!ref.includes("@")) return ref;
  const address = ref.trim().toLowerCase();
  const res = await ctx.client().emails.list.query({ search: address, pageSize: 100 });
  const match = res.data.emails.find((e) => e.email.toLowerCase() === address);
  if (!match) throw new CliError(`No mailbox ${ref} in this tenant (\`mailroom accounts list\` shows them)`);
  return match.id;
}
