import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import { randomSecret } from "../ids.js";

/** One process's run of a periodic job, held by its lease token. */
export interface JobRun {
  name: string;
  token: string;
  /** When the next run is due (the database's clock). */
  nextRunAt: Date;
}

const seconds = (ms: number) => ms / 1000;

/**
 * Runs of periodic jobs, claimed in the database so that each interval's run happens once across
 * every process on it. A claim is one UPDATE of the job's row: `next_run_at <= now()` holds for the
 * first updater only (the others, waiting on its row lock, see the moved next_run_at and match
 * nothing), so exactly one process wins each interval. The lease keeps a second run from starting
 * while one is in progress; a process that dies mid-run holds it only until `leaseMs` has passed.
 */
export class JobSchedule {
  private readonly seeded = new Set<string>();

  constructor(private readonly db: Executor) {}

  /**
   * This process's run of `name` when one is due, else undefined. A schedule further away than
   * `everyMs` (set by a process with a longer interval) counts as due: no process waits longer
   * than its own interval, so among processes configured differently the shortest one wins.
   */
  async claim(name: string, everyMs: number, leaseMs: number): Promise<JobRun | undefined> {
    await this.seed(name, everyMs);
    const token = randomSecret(16);
    const every = sql`make_interval(secs => ${seconds(everyMs)})`;
    const row = await this.db
      .updateTable("job_schedule")
      .set({
        next_run_at: sql<Date>`now() + ${every}`,
        lease_token: token,
        locked_until: sql<Date>`now() + make_interval(secs => ${seconds(leaseMs)})`,
        last_run_at: sql<Date>`now()`,
      })
      .where("name", "=", name)
      .where((eb) => eb.or([eb("next_run_at", "<=", sql<Date>`now()`), eb("next_run_at", ">", sql<Date>`now() + ${every}`)]))
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", sql<Date>`now()`)]))
      .returning(["next_run_at"])
      .executeTakeFirst();
    return row ? { name, token, nextRunAt: row.next_run_at } : undefined;
  }

  /** Extends a run's lease; false when it is no longer this run's (it ran out and another took it). */
  async renew(run: JobRun, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable("job_schedule")
      .set({ locked_until: sql<Date>`now() + make_interval(secs => ${seconds(leaseMs)})` })
      .where("name", "=", run.name)
      .where("lease_token", "=", run.token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The run is over: the next one may start when due. */
  async finish(run: JobRun): Promise<void> {
    await this.db
      .updateTable("job_schedule")
      .set({ lease_token: null, locked_until: null })
      .where("name", "=", run.name)
      .where("lease_token", "=", run.token)
      .execute();
  }

  /** A new job's first run is one interval after the first process that knows it starts; a known schedule is kept. */
  private async seed(name: string, everyMs: number): Promise<void> {
    if (this.seeded.has(name)) return;
    await this.db
      .insertInto("job_schedule")
      .values({ name, next_run_at: sql<Date>`now() + make_interval(secs => ${seconds(everyMs)})` })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    this.seeded.add(name);
  }
}
