// mailauth 4.x ships no types: only the signer Mailroom uses, as the library documents it.
declare module "mailauth/lib/dkim/sign.js" {
  export interface DkimSignatureData {
    signingDomain: string;
    selector: string;
    privateKey: string | Buffer;
    algorithm?: string;
    canonicalization?: string;
  }
  export interface DkimSignOptions {
    canonicalization?: string;
    algorithm?: string;
    signTime?: Date;
    signatureData: DkimSignatureData[];
  }
  export function dkimSign(
    input: Buffer | string,
    options: DkimSignOptions,
  ): Promise<{ signatures: string; errors: { selector?: string; error?: unknown }[] }>;
}
