import type { SmtpLimits } from "@mailroom/contracts";
import type { Logger } from "pino";
import { type AdmissionRefusal, ClientAdmission } from "../net/client-admission.js";
import { plainIp } from "../net/client-address.js";

/** The text of the 421 for each refusal, its enhanced code first. */
const REFUSAL_TEXT: Record<AdmissionRefusal, string> = {
  "connection rate per client": "4.7.0 Too many connections from your address, slow down",
  sessions: "4.3.2 Too many connected clients, try again in a moment",
  "sessions per client": "4.7.0 Too many sessions from your address",
};

/**
 * Who may hold a session on one SMTP listener (the shared admission rules, worded as SMTP 421s)
 * and, during a session, how many unknown recipients it may try.
 */
export class SessionLimits extends ClientAdmission {
  private readonly badRecipients = new Map<string, number>();

  constructor(
    private readonly limits: SmtpLimits,
    log: Logger,
  ) {
    super(limits, log, "smtp");
  }

  /** Count a new connection in, or say why not: the text of the 421 (its enhanced code first). */
  admit(connectionId: string, remoteAddress: string): string | null {
    const refusal = this.admitClient(connectionId, remoteAddress);
    return refusal ? REFUSAL_TEXT[refusal] : null;
  }

  override leave(connectionId: string): void {
    this.badRecipients.delete(connectionId);
    super.leave(connectionId);
  }

  /**
   * One more unknown recipient refused in this session. True once the session is past the cap:
   * then the refusal becomes 421 and the session ends, so nobody learns our directory by guessing.
   */
  refusedRecipient(connectionId: string, ip: string): boolean {
    const count = (this.badRecipients.get(connectionId) ?? 0) + 1;
    this.badRecipients.set(connectionId, count);
    if (count <= this.limits.maxBadRecipients) return false;
    this.log.info({ ip: plainIp(ip), reason: "unknown recipients", limit: this.limits.maxBadRecipients }, "smtp session closed");
    return true;
  }
}
