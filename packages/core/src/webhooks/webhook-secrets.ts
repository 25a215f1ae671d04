import type { SecretBox } from "./secret-box.js";
import type { WebhookEndpointRow } from "./webhook.table.js";

/** An old secret keeps signing alongside the new one this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** Endpoint secrets as stored (sealed) and as used (plain, only while signing). */
export interface WebhookSecrets {
  seal(secret: string): string;
  /** The secrets that sign a request now: the current one, and the previous one during its overlap. */
  forSigning(
    endpoint: Pick<WebhookEndpointRow, "secret_sealed" | "previous_secret_sealed" | "previous_secret_until">,
    now?: Date,
  ): string[];
}

export function webhookSecrets(box: SecretBox): WebhookSecrets {
  return {
    seal: (secret) => box.seal(secret),
    forSigning: (endpoint, now = new Date()) => {
      const secrets = [box.open(endpoint.secret_sealed)];
      if (endpoint.previous_secret_sealed && endpoint.previous_secret_until && endpoint.previous_secret_until > now) {
        secrets.push(box.open(endpoint.previous_secret_sealed));
      }
      return secrets;
    },
  };
}
