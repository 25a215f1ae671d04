import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals secrets for storage (AES-256-GCM) and opens them again. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** A 32-byte key for another purpose (`label`), derived from the box's key (HKDF-SHA256): shared by every process that shares the box's key. */
  derive(label: string): Buffer;
}

/**
 * The box for this server: its key is sha256 of MAILROOM_SECRETS_KEY when set, else 32 random
 * bytes generated into `<dataDir>/secrets.key` on first use. Every process that shares a
 * database must hold the same key (several machines: set MAILROOM_SECRETS_KEY).
 */
export function createSecretBox(options: { secretsKey: string | undefined; dataDir: string }): SecretBox {
  let key: Buffer | undefined;
  const keyNow = () => {
    key ??= options.secretsKey
      ? createHash("sha256").update(options.secretsKey).digest()
      : loadOrCreateKeyFile(join(options.dataDir, "secrets.key"));
    return key;
  };
  return {
    seal: (plain) => seal(keyNow(), plain),
    open: (sealed) => open(keyNow(), sealed),
    derive: (label) => Buffer.from(hkdfSync("sha256", keyNow(), Buffer.alloc(0), label, 32)),
  };
}

function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

function open(key: Buffer, sealed: string): string {
  const [version, data] = sealed.split(":", 2);
  if (version !== VERSION || !data) throw new Error("sealed secret in an unknown format");
  const bytes = Buffer.from(data, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new Error(
      "a webhook secret was sealed with another key: every process on this database needs the same MAILROOM_SECRETS_KEY",
      { cause: err },
    );
  }
}

/** The key file's 32 bytes (base64); created with mode 0600, never overwritten (`wx`: two processes racing agree). */
function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return decodeKey(readFileSync(path, "utf8"), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(join(path, ".."), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return decodeKey(readFileSync(path, "utf8"), path);
}

function decodeKey(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
  return key;
}
