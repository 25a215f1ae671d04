import { InvalidArgumentError } from "commander";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90`, `45s`, `30m`, `1h`, `7d`, `2w` → seconds; for commander's option parsing. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhdw]?)$/i.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] || "s").toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidArgumentError("expected a duration such as 90, 45s, 30m, 1h, 7d or 2w");
  }
  return seconds;
}
