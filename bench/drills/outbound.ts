import { createTenantWithMailbox, sendApiAvailable, startMailroom } from "../src/lib/mailroom.js";
import { drillStore } from "./common.js";
import type { DrillContext, DrillResult } from "./run.js";

/**
 * Outbound SIGKILL: 5,000 sends through the API, SIGKILL mid-delivery, restart; every message that
 * got a 2xx must reach the sink at least once (duplicates reported). Needs issue 6; until it lands
 * this reports "not available yet".
 */
export async function outboundKill(ctx: DrillContext): Promise<DrillResult> {
  const name = "outbound SIGKILL (PostgreSQL)";
  const store = await drillStore("postgres");
  try {
    const server = await startMailroom({ store: store.store, dns: ctx.dns });
    try {
      const tenant = await createTenantWithMailbox(server.url);
      if (!(await sendApiAvailable(server.url, tenant.apiKey))) {
        return { name, status: "not available yet", detail: "POST /api/v1/send and the delivery worker (issue 6)" };
      }
      return { name, status: "not available yet", detail: "issue 6 landed: wire the recording sink and the send loop" };
    } finally {
      await server.stop();
    }
  } finally {
    await store.dispose();
  }
}
