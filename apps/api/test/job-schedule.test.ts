import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { JobSchedule } from "../../../packages/core/src/jobs/job-schedule.js";
import type { DatabaseHandle } from "@mailroom/core";
import { getTestDatabase } from "./support/test-database.js";

/*
 * The claims that make a periodic job run once per interval across processes: each JobSchedule
 * here stands for one process (its own instance, the one database), on PostgreSQL and on PGlite.
 */
describe("job runs claimed in the database", () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await getTestDatabase();
  });

  const jobName = () => `test-job-${randomBytes(4).toString("hex")}`;

  /** Makes the job due now, as if its interval had passed. */
  async function makeDue(name: string): Promise<void> {
    await database.db
      .updateTable("job_schedule")
      .set({ next_run_at: new Date(Date.now() - 5000) })
      .where("name", "=", name)
      .execute();
  }

  it("is not due at first: the first run comes one interval after the schedule is created", async () => {
    const name = jobName();
    expect(await new JobSchedule(database.db).claim(name, 60_000, 60_000)).toBeUndefined();
    const row = await database.db.selectFrom("job_schedule").selectAll().where("name", "=", name).executeTakeFirstOrThrow();
    expect(row.next_run_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it("gives a due run to exactly one of several processes asking at once, and the next one an interval later", async () => {
    const name = jobName();
    const processes = Array.from({ length: 5 }, () => new JobSchedule(database.db));
    await processes[0]!.claim(name, 60_000, 60_000);
    await makeDue(name);
    const claims = await Promise.all(processes.map((p) => p.claim(name, 60_000, 60_000)));
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await processes[0]!.finish(won[0]!);
    // Finished, but not due again: nobody runs it until the interval has passed.
    expect((await Promise.all(processes.map((p) => p.claim(name, 60_000, 60_000)))).filter(Boolean)).toHaveLength(0);
  });

  it("starts no second run while one holds its lease, even when due; the lease running out frees it", async () => {
    const name = jobName();
    const [a, b] = [new JobSchedule(database.db), new JobSchedule(database.db)];
    await a.claim(name, 60_000, 60_000);
    await makeDue(name);
    const run = await a.claim(name, 60_000, 60_000);
    expect(run).toBeDefined();
    await makeDue(name);
    expect(await b.claim(name, 60_000, 60_000)).toBeUndefined();
    expect(await a.renew(run!, 60_000)).toBe(true);

    // The holder died: its lease runs out, and the next process takes the run.
    await database.db
      .updateTable("job_schedule")
      .set({ locked_until: new Date(Date.now() - 5000) })
      .where("name", "=", name)
      .execute();
    const taken = await b.claim(name, 60_000, 60_000);
    expect(taken).toBeDefined();
    // The old holder can neither renew nor release what is no longer its run.
    expect(await a.renew(run!, 60_000)).toBe(false);
    await a.finish(run!);
    await makeDue(name);
    expect(await a.claim(name, 60_000, 60_000)).toBeUndefined();
    await b.finish(taken!);
  });

  it("lets a process with a shorter interval run a job another process scheduled further away", async () => {
    const name = jobName();
    const hourly = new JobSchedule(database.db);
    await hourly.claim(name, 3_600_000, 60_000);
    expect(await hourly.claim(name, 3_600_000, 60_000)).toBeUndefined();
    const everyMinute = await new JobSchedule(database.db).claim(name, 60_000, 60_000);
    expect(everyMinute).toBeDefined();
    expect(everyMinute!.nextRunAt.getTime()).toBeLessThan(Date.now() + 70_000);
  });
});
