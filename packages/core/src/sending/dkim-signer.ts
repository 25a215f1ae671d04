/// <reference path="../types/mailauth-sign.d.ts" />
import { dkimSign } from "mailauth/lib/dkim/sign.js";

export interface DkimKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
}

/**
 * The message with a DKIM-Signature header on top (rsa-sha256, relaxed/relaxed, so the usual
 * re-folding on the way does not break it). A key that cannot sign is a server fault: throws.
 */
export async function signMessage(raw: Buffer, key: DkimKey): Promise<Buffer> {
  const { signatures, errors } = await dkimSign(raw, {
    canonicalization: "relaxed/relaxed",
    algorithm: "rsa-sha256",
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem }],
  });
  if (errors.length > 0 || !signatures.trim()) {
    throw new Error(`DKIM signing for ${key.domain} failed`);
  }
  return Buffer.concat([Buffer.from(signatures, "utf8"), raw]);
}
