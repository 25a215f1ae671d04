export interface RateLimitWindowTable {
  subject: string;
  window_start: Date;
  count: number;
}
