export type { AppRouter, RouterInputs, RouterOutputs } from "./root.js";
export { appRouter } from "./root.js";
export { startMailroom, VERSION, type RunningMailroom, type StartOptions } from "./app.js";
export { createContextInner, createCallerFactory } from "./trpc.js";
