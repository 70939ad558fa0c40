/**
 * One outbound attempt of a delivery, as the engine makes it: through the SSRF guard (its verdict per URL
 * computed once per drain), with the tenant's opened credentials, and the circuit breaker of each callback
 * URL, read once per drain and written through when an attempt changes it.
 */
import type { Bindings } from "../runtime/env";
import { readConfig } from "../runtime/env";
import type { Subscription } from "../db/schema";
import { attempt, type AttemptRecord } from "../outbound/attempt";
import { checkCallbackUrl, type CallbackUrlCheck } from "../outbound/ssrf-guard";
import { CLOSED_BREAKER, type CircuitBreaker } from "./circuit-breaker";
import type { DeliveryStore } from "./delivery-store";
import type { DeliveryRow } from "./delivery-tables";
import { buildLifecycleRequest, buildOutboundRequest, buildSignedRequest, OutboundCredentials } from "./outbound-request";
import { authenticatesWithToken, forgetCallbackToken } from "./callback-tokens";
import { assembleBody, plannedFileBytes } from "./multipart-body";
import { ByteBudget } from "./byte-budget";
import { unsendableReason } from "./unsendable-body";

/** Attachment bytes this object's sends may hold in memory at once (see byte-budget.ts). */
export const ATTACHMENT_MEMORY_BYTES = 24 * 1024 * 1024;
import { openAttachment } from "../records/attachment-store";

/** An attempt refused before anything was sent; `final` when no retry can succeed either. */
const refused = (reason: string, error: string, final?: boolean): AttemptRecord => ({
  outcome: { kind: "network_error", error: reason, beforeSend: true, ...(final ? { final } : {}) },
  startedAt: Date.now(),
  durationMs: 0,
  statusCode: null,
  error,
  responseExcerpt: null,
});

export class DeliveryAttempts {
  /** Opened secrets, kept for the life of this instance (keyed by secret reference: see OutboundCredentials). */
  private credentials: OutboundCredentials | null = null;
  /**
   * Circuit breakers by callback URL as stored, read once per drain: the engine is their only writer while a
   * drain runs (saveBreakerIfChanged() writes through), so each send needs no read of its own.
   */
  private readonly breakerCache = new Map<string, CircuitBreaker | null>();
  /** The SSRF guard's verdict per callback URL for this drain: a pure function of the URL and the environment. */
  private readonly urlChecks = new Map<string, CallbackUrlCheck>();
  /** Shared by every send of this object, across drains: callbacks with files wait here for memory. */
  private readonly attachmentMemory = new ByteBudget(ATTACHMENT_MEMORY_BYTES);

  /** `store` is read on every use: the object that owns it may replace it. */
  constructor(
    private readonly env: Bindings,
    private readonly store: () => DeliveryStore,
  ) {}

  /** Opens the tenant's credentials if not yet open. */
  useTenant(tenantId: string): void {
    this.credentials ??= new OutboundCredentials(this.env, tenantId);
  }

  /** A new drain: breakers and SSRF verdicts are read again. */
  startDrain(tenantId: string): void {
    this.useTenant(tenantId);
    this.breakerCache.clear();
    this.urlChecks.clear();
  }

  /** The breaker of a callback URL (closed when none is stored), read from storage once per drain. */
  breakerOf(url: string): CircuitBreaker {
    let breaker = this.breakerCache.get(url);
    if (breaker === undefined) {
      breaker = this.store().breaker<CircuitBreaker>(url);
      this.breakerCache.set(url, breaker);
    }
    return breaker ?? CLOSED_BREAKER;
  }

  /** Applies a transition to a URL's breaker and writes it only when it changed (no row reads as closed). */
  saveBreakerIfChanged(url: string, transition: (breaker: CircuitBreaker) => CircuitBreaker): void {
    const current = this.breakerOf(url);
    const next = transition(current);
    const unchanged =
      next === current ||
      (next.state === current.state &&
        next.consecutiveFailures === current.consecutiveFailures &&
        next.openedAt === current.openedAt &&
        next.openUntil === current.openUntil);
    if (!unchanged) {
      this.store().saveBreaker(url, next);
      this.breakerCache.set(url, next);
    }
  }

  /** The SSRF guard's verdict on a callback URL, computed once per URL and drain. */
  private checkUrl(url: string): CallbackUrlCheck {
    let check = this.urlChecks.get(url);
    if (!check) {
      check = checkCallbackUrl(url, { allowPrivate: readConfig(this.env).allowPrivateNetworks });
      this.urlChecks.set(url, check);
    }
    return check;
  }

  /** A stored file's bytes, or null when it is gone (or not the tenant's). */
  private async attachmentBytes(tenantId: string, ref: string): Promise<Uint8Array | null> {
    const object = await openAttachment(this.env.ATTACHMENTS, tenantId, ref);
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }

  /** A lifecycle hook call with the tenant's Bearer token. */
  async attemptLifecycle(delivery: DeliveryRow & { url: string }, token: string | null, timeoutMs: number): Promise<AttemptRecord> {
    const guard = this.checkUrl(delivery.url);
    if (!guard.ok) {
      const error = `Refused by the SSRF guard: ${guard.message}`;
      return refused(error, error);
    }
    if (token === null) {
      const error = "The lifecycle hook token is missing; save the lifecycle hooks again";
      return refused(error, error);
    }
    return attempt(await buildLifecycleRequest(delivery, token, Date.now()), timeoutMs);
  }

  /** An operational webhook delivery, signed with the webhook's current secrets. */
  async attemptOperational(delivery: Pick<DeliveryRow, "id" | "body" | "content_type"> & { url: string }, secrets: readonly string[], timeoutMs: number): Promise<AttemptRecord> {
    const guard = this.checkUrl(delivery.url);
    if (!guard.ok) {
      const error = `Refused by the SSRF guard: ${guard.message}`;
      return refused(error, error);
    }
    return attempt(await buildSignedRequest(delivery, secrets, Date.now()), timeoutMs);
  }

  /**
   * One attempt, through the SSRF guard. An IMS or OAUTH2 callback that answers 401 gets one retry with a
   * freshly fetched token (the cached one may have been revoked early).
   */
  async attemptDelivery(delivery: Pick<DeliveryRow, "id" | "body" | "content_type">, subscription: Subscription, timeoutMs: number): Promise<AttemptRecord> {
    // A body fan-out could not render (a failed transformation): a final failure, logged with the template's error.
    const unsendable = unsendableReason(delivery);
    if (unsendable !== null) return refused(unsendable, unsendable, true);
    const guard = this.checkUrl(subscription.callbackUrl);
    if (!guard.ok) return refused(guard.reason, `Refused by the SSRF guard: ${guard.message}`);
    const credentials = this.credentials ?? new OutboundCredentials(this.env, subscription.tenantId);
    const fileBytes = plannedFileBytes(delivery);
    const release = fileBytes > 0 ? await this.attachmentMemory.acquire(fileBytes) : () => undefined;
    try {
      // A callback with files: loaded now, from the tenant's own prefix only (multipart-body.ts).
      const assembled = await assembleBody(delivery, (ref) => this.attachmentBytes(subscription.tenantId, ref));
      if (!assembled.ok) return refused(assembled.error, assembled.error, true);
      const sent = { id: delivery.id, body: assembled.body, content_type: assembled.contentType };
      const record = await attempt(await buildOutboundRequest(sent, subscription, credentials, Date.now()), timeoutMs);
      if (!authenticatesWithToken(subscription) || record.statusCode !== 401) return record;
      forgetCallbackToken(subscription);
      return await attempt(await buildOutboundRequest(sent, subscription, credentials, Date.now()), timeoutMs);
    } catch (error) {
      // Building the request failed (e.g. the IMS login or OAuth2 token endpoint refused): nothing reached the callback.
      const message = error instanceof Error ? error.message : String(error);
      return refused(message, message);
    } finally {
      release();
    }
  }
}
