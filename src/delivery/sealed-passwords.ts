/**
 * The sealed passwords of changePassword deliveries, as the engine handles them: opened at send time (the stored
 * body holds only the reference, lifecycle/sealed-password.ts), and deleted from KV once their delivery has
 * ended (delivered, dead-lettered, or skipped by the engine or an operator) and no other delivery of the same
 * password change (a replay) is still open; an erasure of the user deletes them at once. A drain deletes what it
 * released only after it has written its held outcomes: a success lost in the group-commit window is sent again,
 * and needs its password.
 */
import type { AttemptRecord } from "../outbound/attempt";
import { sealedRefOf, withPassword } from "../lifecycle/sealed-password";
import type { ControlPlanePort, LogPort } from "./engine-ports";

/** The body to send, or the attempt that failed because the sealed password could not be opened. */
export type OpenedBody = { ok: true; body: string; sealedRef: string | null } | { ok: false; sealedRef: string; record: AttemptRecord };

export interface SealedPasswordsHost {
  controlPlane: () => ControlPlanePort;
  log: LogPort;
  waitUntil: (work: Promise<unknown>) => void;
  now: () => number;
  /**
   * Whether a delivery of this event is still open (pending, in flight, or blocking): it needs the password.
   * A read through the store, so it runs the held writes first (DeliveryStore.sql).
   */
  stillOpen: (eventSeq: number) => boolean;
}

export class SealedPasswords {
  private released: { tenantId: string; eventSeq: number; ref: string }[] = [];

  constructor(private readonly host: SealedPasswordsHost) {}

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

  /** A delivery of this password (event `eventSeq`) has ended: delete it once nothing needs it (discardReleased). */
  release(tenantId: string, eventSeq: number, ref: string | null): void {
    if (ref !== null) this.released.push({ tenantId, eventSeq, ref });
  }

  /** release() for the password a delivery's stored body refers to, if any. */
  releaseOf(tenantId: string, eventSeq: number, body: string | null): void {
    this.release(tenantId, eventSeq, body === null ? null : sealedRefOf(body));
  }

  /**
   * A replay of a delivery with this body has nothing to send: its password was deleted, or is released to be,
   * since no delivery of its event is open any more.
   */
  isGone(eventSeq: number, body: string): boolean {
    return sealedRefOf(body) !== null && !this.host.stillOpen(eventSeq);
  }

  /**
   * Deletes every released password no open delivery still needs (one that does is released again when it ends).
   * The drain calls it after writing its held outcomes; an operator's skip right after its own write (the check's
   * store read runs any held writes of a drain under way first). A failure leaves a stray sealed value, logged.
   */
  discardReleased(): void {
    const released = this.released;
    this.released = [];
    for (const { tenantId, eventSeq, ref } of released) if (!this.host.stillOpen(eventSeq)) this.discard(tenantId, ref);
  }

  /**
   * Erasure: deletes the passwords these bodies refer to at once, whatever still holds them. A send already out
   * has its password (or fails to open it, and is not retried: its record is erased).
   */
  discardErased(tenantId: string, bodies: readonly string[]): void {
    for (const body of bodies) {
      const ref = sealedRefOf(body);
      if (ref !== null) this.discard(tenantId, ref);
    }
  }

  private discard(tenantId: string, ref: string): void {
    const discard = this.host.controlPlane().discardLifecycleSecret(tenantId, ref).catch((error: unknown) => {
      this.host.log("warn", "sealed_password_not_deleted", { tenantId, error: String(error) });
    });
    this.host.waitUntil(discard);
  }
}
