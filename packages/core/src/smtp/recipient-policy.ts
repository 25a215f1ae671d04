import DataLoader from "dataloader";
import type { CoreDeps } from "../deps.js";
import { decideRecipients, type RecipientDecision } from "../recipients/recipient-rule.js";

/**
 * The MX's use of the recipient rule: the RCPTs of all sessions that arrive in one turn of the
 * event loop are decided by one call (DataLoader, no cache: each RCPT sees the database as it is now).
 */
export function batchedRecipientRule(deps: CoreDeps): (address: string) => Promise<RecipientDecision> {
  const loader = new DataLoader<string, RecipientDecision>((addresses) => decideRecipients(deps, addresses), {
    cache: false,
    maxBatchSize: 500,
    // setImmediate, not the default next tick: RCPTs from many sockets arrive in one poll phase,
    // each in its own callback, and next-tick would send each alone.
    batchScheduleFn: (run) => setImmediate(run),
  });
  return (address) => loader.load(address);
}
