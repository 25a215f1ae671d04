import type { LoopbackDns } from "../lib/dns.js";
import type { SmtpPeer } from "../lib/tools.js";

/** What every benchmark shares in one `pnpm bench` run. */
export interface BenchContext {
  dns: LoopbackDns;
  haraka: SmtpPeer;
  sink: SmtpPeer;
}
