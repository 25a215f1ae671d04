import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";

const generate = promisify(generateKeyPair);

export interface DkimKeyPair {
  /** PKCS#8 PEM; stays in the database, never in a response or a log line. */
  privateKeyPem: string;
  /** Base64 of the DER SubjectPublicKeyInfo: the `p=` tag of the DKIM record. */
  publicKeyBase64: string;
}

/** A fresh 2048-bit RSA key (the size RFC 8301 asks signers to use), off the event loop. */
export async function generateDkimKeyPair(): Promise<DkimKeyPair> {
  const { privateKey, publicKey } = await generate("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyBase64: publicKey.toString("base64") };
}

/** `mr202611`: dated, so a later key rotation can publish a new selector beside the old one. */
export function dkimSelectorFor(date: Date): string {
  return `mr${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}
