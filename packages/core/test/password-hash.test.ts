import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/mailboxes/password-hash.js";

describe("mailbox password hashes", () => {
  it("are salted scrypt with their parameters, and verify only the right password", async () => {
    const a = await hashPassword("securePass123");
    const b = await hashPassword("securePass123");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("securePass123");
    expect(await verifyPassword("securePass123", a)).toBe(true);
    expect(await verifyPassword("securePass123", b)).toBe(true);
    expect(await verifyPassword("securePass124", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  it("treat a malformed or absurd stored hash as a mismatch, not a crash", async () => {
    for (const stored of [
      "",
      "plain",
      "sha256$abc",
      "scrypt$x$8$1$c2FsdA==$aGFzaA==",
      "scrypt$16384$8$1$c2FsdA==$",
      "scrypt$1073741824$8$1$c2FsdA==$aGFzaA==",
    ]) {
      expect(await verifyPassword("whatever", stored), stored).toBe(false);
    }
  });
});
