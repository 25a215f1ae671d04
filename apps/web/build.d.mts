/** The paths, relative to apps/web, whose changes make dist stale. */
export const WEB_SOURCES: string[];
export function buildWeb(): Promise<void>;
