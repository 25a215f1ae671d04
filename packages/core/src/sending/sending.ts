import type { CoreDeps } from "../deps.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../delivery/delivery-worker.js";
import { createHostedStore } from "../delivery/hosted-inbox.js";
import { createRemoteTransport } from "../delivery/remote-transport.js";
import type { NewMailSignal } from "../messages/new-mail-signal.js";
import { createOutboundWrites } from "./outbound-writes.js";
import type { SendingContext } from "./send.service.js";
import { ensureSystemDkimKey, type SystemDkimKey } from "./system-dkim-key.js";

/** What sending shares across the API, the submission server and the workers of one process. */
export function createSendingContext(deps: CoreDeps, newMail: NewMailSignal | undefined) {
  const hosted = createHostedStore(deps, newMail);
  const workers = new Set<DeliveryWorker>();
  let systemKey: Promise<SystemDkimKey> | undefined;
  const context: SendingContext = {
    hosted,
    writes: createOutboundWrites(deps),
    systemKey: () => {
      systemKey ??= ensureSystemDkimKey(deps).catch((err: unknown) => {
        systemKey = undefined;
        throw err;
      });
      return systemKey;
    },
    kick: () => {
      for (const w of workers) w.kick();
    },
  };
  const createWorker = (options: DeliveryWorkerOptions = {}) => {
    const worker = new DeliveryWorker(deps, options.transport ?? createRemoteTransport(deps.config), hosted, options);
    workers.add(worker);
    const stop = worker.stop.bind(worker);
    worker.stop = async () => {
      await stop();
      workers.delete(worker);
    };
    return worker;
  };
  return { context, createWorker };
}
