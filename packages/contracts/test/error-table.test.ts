import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/errors.js";
import { withErrorTable } from "../../../tooling/readme-errors.js";

describe("the README's error table", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

  it("is the catalogue's, row for row (run pnpm docs:errors after changing errors.ts)", () => {
    expect(readme).toBe(withErrorTable(readme));
  });

  it("names every code", () => {
    for (const code of ERROR_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });
});
