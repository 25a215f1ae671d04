import { parseConfig, type MailroomConfig } from "@mailroom/contracts";

/** The only module that reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MailroomConfig {
  return parseConfig(env);
}
