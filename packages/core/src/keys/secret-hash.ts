import { createHash, timingSafeEqual } from "node:crypto";

/** API keys are long random secrets, so a fast unsalted sha256 is the right hash (lookup by hash). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
