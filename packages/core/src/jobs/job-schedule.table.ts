export interface JobScheduleTable {
  name: string;
  next_run_at: Date;
  lease_token: string | null;
  locked_until: Date | null;
  last_run_at: Date | null;
}
