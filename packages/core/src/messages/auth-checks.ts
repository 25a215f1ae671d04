/// <reference path="../types/mailauth.d.ts" />
import { Resolver } from "node:dns/promises";
import type { AuthResults } from "@mailroom/contracts";
import { authenticate, type AuthenticateResult, type DnsResolver } from "mailauth";
import type { CoreDeps } from "../deps.js";
import { cachingResolver } from "./dns-cache.js";
import { clean } from "./message-parser.js";

export interface AuthCheckInput {
  /** The client's IP address. */
  ip: string;
  /** What the client said in EHLO/HELO. */
  helo: string;
  /** MAIL FROM; empty for bounces. */
  sender: string;
}

export interface AuthCheckOutcome {
  results: AuthResults;
  /** Received-SPF and Authentication-Results header lines (CRLF-terminated), to prepend to the message. */
  headers: string;
}

/** No single look-up may hold a session for long; a sender's broken DNS is its problem (temperror). */
const DNS_TIMEOUT_MS = 2500;
/** Upper bound for the whole check, DNS included, so DATA is always answered well inside its timeout. */
const TOTAL_BUDGET_MS = 20_000;

/** A resolver on the configured DNS servers (the system's when none are set), in mailauth's form, cached. */
export function createDnsResolver(servers: readonly string[]): DnsResolver {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return cachingResolver((name, rrtype) => resolver.resolve(name, rrtype));
}

/**
 * SPF, DKIM, DMARC and ARC for one message as received (mailauth). Never throws: a check that
 * cannot finish is recorded as temperror, and the message is still delivered.
 */
export async function checkAuthentication(
  deps: CoreDeps,
  resolver: DnsResolver,
  raw: Buffer,
  input: AuthCheckInput,
): Promise<AuthCheckOutcome> {
  const mta = deps.config.hostname;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      authenticate(raw, {
        ip: input.ip,
        helo: input.helo,
        sender: input.sender,
        mta,
        resolver,
        disableBimi: true,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("authentication checks timed out")), TOTAL_BUDGET_MS);
      }),
    ]);
    return { results: toAuthResults(outcome), headers: clean(outcome.headers) };
  } catch (err) {
    deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "authentication checks failed");
    const header = `Authentication-Results: ${mta}; spf=temperror; dkim=temperror; dmarc=temperror; arc=temperror`;
    return {
      results: {
        spf: { result: "temperror", domain: null },
        dkim: [],
        dmarc: { result: "temperror", policy: null, domain: null },
        arc: { result: "temperror" },
        header,
      },
      headers: `${header}\r\n`,
    };
  } finally {
    clearTimeout(timer);
  }
}

function toAuthResults(outcome: AuthenticateResult): AuthResults {
  // The whole (folded) Authentication-Results field, up to the next line that is not a continuation.
  const header = /(?:^|\r\n)(Authentication-Results:[\s\S]*?)(?=\r\n(?![ \t])|$)/i.exec(outcome.headers)?.[1] ?? "";
  return {
    spf: outcome.spf
      ? { result: outcome.spf.status.result, domain: outcome.spf.domain ?? null }
      : { result: "none", domain: null },
    dkim: (outcome.dkim.results ?? []).map((r) => ({
      result: r.status.result,
      domain: r.signingDomain ?? null,
      selector: r.selector ?? null,
      aligned: Boolean(r.status.aligned),
    })),
    dmarc: outcome.dmarc
      ? { result: outcome.dmarc.status.result, policy: outcome.dmarc.policy ?? null, domain: outcome.dmarc.domain ?? null }
      : { result: "none", policy: null, domain: null },
    arc: outcome.arc ? { result: outcome.arc.status.result } : { result: "none" },
    header: clean(header.replace(/\r\n[ \t]+/g, " ")),
  };
}
