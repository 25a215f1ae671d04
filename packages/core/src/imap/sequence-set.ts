/**
 * Sequence sets (RFC 3501 section 9, `sequence-set`): parsed into ranges that may name `*` (the
 * largest number in use), resolved against a mailbox into merged ranges, walked lazily, and written
 * back in compressed form (`1:5,7`).
 */

export type SequenceNumber = number | "*";

export interface SequenceRange {
  start: SequenceNumber;
  end: SequenceNumber;
}

export type SequenceSet = readonly SequenceRange[];

/** A resolved, inclusive range with start <= end. */
export type NumberRange = readonly [start: number, end: number];

/** nz-number is a 32-bit unsigned value. */
export const MAX_SEQUENCE_NUMBER = 4_294_967_295;

export type SequenceSetResult = { ok: true; set: SequenceSet } | { ok: false; message: string };

export function parseSequenceSet(text: string): SequenceSetResult {
  if (text.length === 0) return { ok: false, message: "Empty sequence set" };
  const set: SequenceRange[] = [];
  for (const item of text.split(",")) {
    const bounds = item.split(":");
    if (bounds.length > 2) return { ok: false, message: `Invalid sequence range ${item}` };
    const start = parseSequenceNumber(bounds[0]!);
    const end = bounds.length === 2 ? parseSequenceNumber(bounds[1]!) : start;
    if (start === null || end === null) return { ok: false, message: `Invalid sequence set ${text}` };
    set.push({ start, end });
  }
  return { ok: true, set };
}

function parseSequenceNumber(text: string): SequenceNumber | null {
  if (text === "*") return "*";
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const value = Number(text);
  return value <= MAX_SEQUENCE_NUMBER ? value : null;
}

/** Ranges with `*` replaced by `largest`, ordered, overlaps and neighbours merged. */
export function resolveSequenceSet(set: SequenceSet, largest: number): NumberRange[] {
  const value = (n: SequenceNumber) => (n === "*" ? largest : n);
  const ranges = set
    .map(({ start, end }): [number, number] => {
      const a = value(start);
      const b = value(end);
      return a <= b ? [a, b] : [b, a];
    })
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** Whether resolved ranges reach past `largest` (a sequence number that does not exist). */
export function exceedsLargest(ranges: readonly NumberRange[], largest: number): boolean {
  const last = ranges[ranges.length - 1];
  return last !== undefined && (last[1] > largest || last[0] < 1);
}

/** The numbers of resolved ranges, ascending and lazily, stopping at `limit`. */
export function* sequenceNumbers(ranges: readonly NumberRange[], limit = MAX_SEQUENCE_NUMBER): Generator<number> {
  for (const [start, end] of ranges) {
    for (let n = Math.max(start, 1); n <= Math.min(end, limit); n++) yield n;
  }
}

/** Whether `n` lies in resolved ranges (binary search). */
export function rangesInclude(ranges: readonly NumberRange[], n: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = ranges[middle]!;
    if (n < start) high = middle - 1;
    else if (n > end) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * Numbers in the order given, with ascending runs compressed: [1,2,3,4,5,7] → "1:5,7". Order is kept
 * because COPYUID pairs its source and destination sets by position (RFC 4315).
 */
export function formatSequenceSet(numbers: Iterable<number>): string {
  const parts: string[] = [];
  let runStart = -1;
  let previous = -1;
  const flush = () => {
    if (runStart !== -1) parts.push(runStart === previous ? `${runStart}` : `${runStart}:${previous}`);
  };
  for (const n of numbers) {
    if (runStart !== -1 && n === previous + 1) {
      previous = n;
      continue;
    }
    flush();
    runStart = n;
    previous = n;
  }
  flush();
  return parts.join(",");
}

/** A parsed set written back as the client sent it (for echoing, e.g. in MODIFIED). */
export function sequenceSetToString(set: SequenceSet): string {
  return set.map(({ start, end }) => (start === end ? `${start}` : `${start}:${end}`)).join(",");
}
