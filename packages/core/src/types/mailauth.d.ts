// mailauth 4.x ships no types: only what Mailroom uses, as the library documents it.
declare module "mailauth" {
  export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

  export interface AuthStatus {
    result: string;
    comment?: string | boolean;
    aligned?: string | boolean;
  }

  export interface AuthenticateOptions {
    ip?: string;
    helo?: string;
    sender?: string;
    mta?: string;
    resolver?: DnsResolver;
    trustReceived?: boolean;
    disableArc?: boolean;
    disableDmarc?: boolean;
    disableBimi?: boolean;
    minBitLength?: number;
  }

  export interface AuthenticateResult {
    dkim: {
      headerFrom?: string[];
      results?: { signingDomain?: string; selector?: string; status: AuthStatus; info?: string }[];
    };
    spf: { domain?: string; status: AuthStatus; header?: string; info?: string } | false;
    dmarc: { domain?: string; policy?: string; status: AuthStatus; info?: string } | false;
    arc: { status: AuthStatus; info?: string } | false;
    bimi: unknown;
    /** Received-SPF and Authentication-Results, each ending in CRLF, ready to prepend. */
    headers: string;
  }

  export function authenticate(input: Buffer | string, options?: AuthenticateOptions): Promise<AuthenticateResult>;
}
