import { describe, expect, it } from "vitest";
import { newId, randomSecret } from "../src/ids.js";

describe("ids", () => {
  it("are prefixed, 26 base32 characters, and strictly increasing within a process", () => {
    const ids = Array.from({ length: 2000 }, () => newId("message"));
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId("tenant").startsWith("ten_")).toBe(true);
  });

  it("random secrets use the whole alphabet and the asked length", () => {
    const s = randomSecret(4000);
    expect(s).toHaveLength(4000);
    expect(new Set(s).size).toBe(62);
  });
});
