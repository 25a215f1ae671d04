import type { CoreDeps } from "../deps.js";
import type { HostedStore } from "./hosted-store.js";

/** Hosted delivery through the receiving side's store (issue 5). */
export function createHostedStore(_deps: CoreDeps): HostedStore {
  return {
    async prepare() {
      throw new Error("hosted delivery needs the inbox storage of issue 5");
    },
  };
}
