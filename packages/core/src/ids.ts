import { randomBytes } from "node:crypto";
import { ID_PREFIXES, type IdKind } from "@mailroom/contracts";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower-case

let lastTime = 0;
let lastRandom: Buffer = Buffer.alloc(10);

/**
 * `<prefix>_<26 chars>`: 48-bit millisecond time then 80 random bits (ULID layout), so ids sort by
 * creation time and serve as stable pagination cursors. Within one millisecond the random part
 * is incremented, keeping ids from one process strictly increasing.
 */
export function newId(kind: IdKind): string {
  const now = Date.now();
  let random: Buffer;
  if (now === lastTime) {
    random = Buffer.from(lastRandom);
    for (let i = random.length - 1; i >= 0; i--) {
      random[i] = (random[i]! + 1) & 0xff;
      if (random[i] !== 0) break;
    }
  } else {
    random = randomBytes(10);
  }
  lastTime = now;
  lastRandom = random;
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${encodeRandom(random)}`;
}

function encodeTime(ms: number): string {
  let out = "";
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}

/** A url-safe random secret of `length` characters (base62), ~5.95 bits each. */
export function randomSecret(length: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const out: string[] = [];
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Reject bytes ≥ 248 so every character is equally likely.
      if (byte < 248 && out.length < length) out.push(chars[byte % 62]!);
    }
  }
  return out.join("");
}
