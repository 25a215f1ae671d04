export function isStale(options: { dir: string; sources: string[]; output: string }): boolean;
export function ensureBuilt(options: {
  dir: string;
  sources: string[];
  output: string;
  build: () => Promise<unknown>;
  what: string;
}): Promise<boolean>;
export function launchBundle(options: {
  dir: string;
  sources: string[];
  build: () => Promise<unknown>;
  what: string;
}): Promise<void>;
