/**
 * The sealed passwords of changePassword deliveries, as the drain handles them: opened at send time (the stored
 * body holds only the reference, lifecycle/sealed-password.ts), and deleted from KV once their delivery has
 * ended (delivered, dead-lettered or skipped). A deletion waits until the drain has written its held outcomes:
 * a success lost in the group-commit window is sent again, and needs its password for that.
 */
import type { AttemptRecord } from "../outbound/attempt";
import { sealedRefOf, withPassword } from "../lifecycle/sealed-password";
import type { ControlPlanePort, LogPort } from "./engine-ports";

/** The body to send, or the attempt that failed because the sealed password could not be opened. */
export type OpenedBody = { ok: true; body: string; sealedRef: string | null } | { ok: false; sealedRef: string; record: AttemptRecord };

export class SealedPasswords {
  private released: { tenantId: string; ref: string }[] = [];

  constructor(private readonly host: { controlPlane: () => ControlPlanePort; log: LogPort; waitUntil: (work: Promise<unknown>) => void; now: () => number }) {}

  /**
   * The body with its password in place. A password that cannot be read (KV may show a new value elsewhere only
   * within a minute) is a failed attempt, retried by the policy like any other, never a skip.
   */
  async open(tenantId: string, body: string): Promise<OpenedBody> {
    const sealedRef = sealedRefOf(body);
    if (sealedRef === null) return { ok: true, body, sealedRef };
    const password = await this.host.controlPlane().lifecycleSecret(tenantId, sealedRef);
    if (password !== null) return { ok: true, body: withPassword(body, password), sealedRef };
    const error = "The sealed password could not be read; nothing was sent";
    return { ok: false, sealedRef, record: { outcome: { kind: "network_error", error, beforeSend: true }, startedAt: this.host.now(), durationMs: 0, statusCode: null, error, responseExcerpt: null } };
  }

  /** The delivery of this password has ended: delete it once the drain's outcomes are written (discardReleased). */
  release(tenantId: string, ref: string | null): void {
    if (ref !== null) this.released.push({ tenantId, ref });
  }

  /** Deletes every released password; called after the drain wrote its held outcomes. A failure leaves a stray sealed value, logged. */
  discardReleased(): void {
    const released = this.released;
    this.released = [];
    for (const { tenantId, ref } of released) {
      const discard = this.host.controlPlane().discardLifecycleSecret(tenantId, ref).catch((error: unknown) => {
        this.host.log("warn", "sealed_password_not_deleted", { tenantId, error: String(error) });
      });
      this.host.waitUntil(discard);
    }
  }
}
