import type { Executor } from "../db/database.js";
import { existsResponse, expungeResponse } from "./response-writer.js";
import { fetchResponse } from "./fetch-response.js";
import { atom } from "./imap-value.js";
import { changedSince, countUpTo, findFolderById, folderUids, type FolderInfo } from "./imap-store.js";
import { resolveSequenceSet, exceedsLargest, rangesInclude, sequenceNumbers, type SequenceSet } from "./sequence-set.js";

/**
 * A session's view of its selected folder: the UIDs it has announced, in order, so that sequence
 * number n is uids[n-1] (RFC 3501 2.3.1.2). The view changes only when the session tells the client:
 * new mail by `* n EXISTS`, removals by `* n EXPUNGE`, flag changes by `* n FETCH (FLAGS …)`. Changes
 * are found by modseq (rows changed since the last look) and removals by a count of the UIDs the
 * view holds, so a quiet folder costs two small queries whatever its size.
 */
export class SelectedFolder {
  /** The highest modseq whose changes this view has taken in. */
  private seenModseq: number;
  /** Modseqs of changes the session already reported itself (its own STORE), not to repeat them. */
  private readonly reported = new Map<number, number>();

  private constructor(
    readonly folder: FolderInfo,
    readonly readOnly: boolean,
    private uids: number[],
  ) {
    this.seenModseq = folder.highestModseq;
  }

  static async open(db: Executor, folder: FolderInfo, readOnly: boolean): Promise<SelectedFolder> {
    return new SelectedFolder(folder, readOnly, await folderUids(db, folder.id));
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids[this.uids.length - 1] ?? 0;
  }

  uidAt(sequenceNumber: number): number | undefined {
    return this.uids[sequenceNumber - 1];
  }

  /** The sequence number of `uid`, or 0 when the view does not hold it (binary search). */
  sequenceOf(uid: number): number {
    let low = 0;
    let high = this.uids.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = this.uids[middle]!;
      if (value === uid) return middle + 1;
      if (value < uid) low = middle + 1;
      else high = middle - 1;
    }
    return 0;
  }

  /**
   * The UIDs a set names, ascending. Sequence numbers past EXISTS are the client's error (null);
   * UIDs outside the view are ignored, `*` being the highest UID in it (RFC 3501 6.4.8).
   */
  resolve(set: SequenceSet, byUid: boolean): number[] | null {
    if (byUid) {
      const ranges = resolveSequenceSet(set, this.maxUid);
      return this.uids.filter((uid) => rangesInclude(ranges, uid));
    }
    const ranges = resolveSequenceSet(set, this.exists);
    if (this.exists === 0 || exceedsLargest(ranges, this.exists)) return null;
    return [...sequenceNumbers(ranges, this.exists)].map((n) => this.uids[n - 1]!);
  }

  /** The session itself reported this change: the next sync need not. */
  noteReported(uid: number, modseq: number): void {
    this.reported.set(uid, modseq);
  }

  /** Removes UIDs the session expunged itself; their `* n EXPUNGE` lines, in the order to send. */
  removeUids(removed: readonly number[]): string[] {
    const numbers = removed
      .map((uid) => this.sequenceOf(uid))
      .filter((n) => n > 0)
      .sort((a, b) => b - a);
    // Descending: each line's number is still right after the ones before it took effect.
    for (const n of numbers) this.uids.splice(n - 1, 1);
    return numbers.map(expungeResponse);
  }

  /** Adds UIDs the session knows were appended (kept ascending); the EXISTS line when any are new. */
  addUids(added: readonly number[]): string[] {
    const fresh = added.filter((uid) => uid > this.maxUid).sort((a, b) => a - b);
    if (fresh.length === 0) return [];
    this.uids.push(...fresh);
    return [existsResponse(this.exists)];
  }

  /**
   * Reads what changed since the last look and brings the view up to date; the untagged responses
   * that tell the client. Expunges are held back when `allowExpunge` is false (during FETCH, STORE
   * and SEARCH sequence numbers must not shift, RFC 3501 7.4.1).
   */
  async sync(db: Executor, allowExpunge: boolean): Promise<(string | Buffer)[]> {
    const folder = await findFolderById(db, this.folder.id);
    if (!folder) return [];
    const out: (string | Buffer)[] = [];
    const knownMax = this.maxUid;
    if (allowExpunge && this.uids.length > 0 && (await countUpTo(db, this.folder.id, knownMax)) < this.uids.length) {
      const present = new Set(await folderUids(db, this.folder.id, knownMax));
      out.push(...this.removeUids(this.uids.filter((uid) => !present.has(uid))));
    }
    if (folder.highestModseq > this.seenModseq) {
      const changed = await changedSince(db, this.folder.id, this.seenModseq);
      const fresh: number[] = [];
      for (const row of changed) {
        if (row.uid > knownMax) {
          fresh.push(row.uid);
          continue;
        }
        const n = this.sequenceOf(row.uid);
        if (n === 0 || this.reported.get(row.uid) === row.modseq) continue;
        out.push(fetchResponse(n, [{ name: "FLAGS", value: row.flags.map(atom) }]));
      }
      out.push(...this.addUids(fresh));
      this.seenModseq = folder.highestModseq;
      this.reported.clear();
    }
    if (folder.uidNext - 1 > this.maxUid) {
      // New messages whose modseq we had already passed (a change raced our last look).
      out.push(...this.addUids(await folderUids(db, this.folder.id, folder.uidNext - 1, this.maxUid)));
    }
    return out;
  }
}
