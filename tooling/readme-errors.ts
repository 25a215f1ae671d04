// Writes the README's error table from the catalogue (packages/contracts/src/errors.ts): `pnpm docs:errors`.
// packages/contracts/test/error-table.test.ts fails when the README and the catalogue differ.
import { readFileSync, writeFileSync } from "node:fs";
import { errorTableMarkdown } from "../packages/contracts/src/errors.js";

export const START = "<!-- error-table:start (pnpm docs:errors) -->";
export const END = "<!-- error-table:end -->";

export function withErrorTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, from + START.length)}\n${errorTableMarkdown()}\n${readme.slice(to)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL("../README.md", import.meta.url);
  writeFileSync(path, withErrorTable(readFileSync(path, "utf8")));
}
