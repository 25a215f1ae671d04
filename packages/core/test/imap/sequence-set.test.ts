import { describe, expect, it } from "vitest";
import {
  exceedsLargest,
  formatSequenceSet,
  parseSequenceSet,
  rangesInclude,
  resolveSequenceSet,
  sequenceNumbers,
  sequenceSetToString,
} from "../../src/imap/sequence-set.js";

function parsed(text: string) {
  const result = parseSequenceSet(text);
  if (!result.ok) throw new Error(result.message);
  return result.set;
}

describe("sequence sets", () => {
  it.each(["0", "1:", ":5", "", "1,", "a", "01", "1:0", "4294967296", "1:2:3", "*:"])("refuses %j", (text) => {
    expect(parseSequenceSet(text).ok).toBe(false);
  });

  it("parses and writes back what the client sent", () => {
    expect(sequenceSetToString(parsed("2,4:7,9,12:*,*"))).toBe("2,4:7,9,12:*,*");
    expect(parsed("4294967295")).toEqual([{ start: 4294967295, end: 4294967295 }]);
  });

  it("resolves * against the largest number, orders reversed ranges and merges overlaps and neighbours", () => {
    expect(resolveSequenceSet(parsed("9:7,1:3,4,*,2"), 20)).toEqual([
      [1, 4],
      [7, 9],
      [20, 20],
    ]);
    // RFC 3501: n:* with n past the largest still names the largest.
    expect(resolveSequenceSet(parsed("30:*"), 20)).toEqual([[20, 30]]);
  });

  it("walks lazily and answers membership", () => {
    const ranges = resolveSequenceSet(parsed("1:4294967295"), 10);
    const numbers = sequenceNumbers(ranges, 5);
    expect([...numbers]).toEqual([1, 2, 3, 4, 5]);
    const first = sequenceNumbers(resolveSequenceSet(parsed("1:*"), 4_000_000_000)).next();
    expect(first.value).toBe(1);
    const set = resolveSequenceSet(parsed("2,5:9,100"), 100);
    expect([1, 2, 3, 5, 9, 10, 100].map((n) => rangesInclude(set, n))).toEqual([false, true, false, true, true, false, true]);
  });

  it("notices numbers past the mailbox", () => {
    expect(exceedsLargest(resolveSequenceSet(parsed("1:5"), 4), 4)).toBe(true);
    expect(exceedsLargest(resolveSequenceSet(parsed("1:*"), 4), 4)).toBe(false);
  });

  it("compresses runs, keeping order for COPYUID", () => {
    expect(formatSequenceSet([1, 2, 3, 4, 5, 7])).toBe("1:5,7");
    expect(formatSequenceSet([])).toBe("");
    expect(formatSequenceSet([9, 3, 4, 5, 1])).toBe("9,3:5,1");
    expect(formatSequenceSet(sequenceNumbers([[1, 100000]]))).toBe("1:100000");
  });
});
