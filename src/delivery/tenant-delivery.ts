/**
 * TenantDelivery: one Durable Object per tenant (idFromName(tenantId)), the single writer of that tenant's
 * outbound state. This class is its shell: it owns the object's storage, answers the alarm and the RPC
 * methods, and leaves the work to the drain (fan-out and sends), the control plane (D1) and the attempts.
 * Wake-ups (queue nudge, sweeper, alarm) may repeat: every step is idempotent, and a delivery marked in
 * flight is never picked twice.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../runtime/env";
import { readConfig } from "../runtime/env";
import type { Subscription } from "../db/schema";
import { DeliveryStore, type DeliveryStatus } from "./delivery-store";
import { toDeliveryView, type DeliveryView, type StreamView, type TestAttempt } from "./delivery-view";
import { CLOSED_BREAKER, type CircuitBreaker } from "./circuit-breaker";
import { resolveRetryPolicy, type RetryPolicyOverride } from "./retry-policy";
import { ControlPlane } from "./control-plane";
import { DeliveryAttempts } from "./delivery-attempts";
import { Drain, SENDS_PER_DRAIN } from "./drain";

export interface PumpResult {
  cursor: number;
  read: number;
}

export class TenantDelivery extends DurableObject<Bindings> {
  private readonly store: DeliveryStore;
  /** SENDS_PER_DRAIN, as a field so a test can make it small. */
  private readonly sendsPerDrain: number = SENDS_PER_DRAIN;
  private readonly controlPlane: ControlPlane;
  private readonly attempts: DeliveryAttempts;
  private readonly drain: Drain;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = new DeliveryStore(ctx.storage.sql);
    // Validates the configuration and applies LOG_LEVEL in this object's isolate before its first log line.
    readConfig(env);
    this.controlPlane = new ControlPlane(env);
    // The store and the budget are read through these on every use: a test swaps the one and shrinks the other.
    this.attempts = new DeliveryAttempts(env, () => this.store);
    this.drain = new Drain({ storage: ctx.storage, store: () => this.store, sendsPerDrain: () => this.sendsPerDrain }, this.controlPlane, this.attempts);
    // A fresh instance has nothing in flight: sends the last one started had an unknown outcome and go again.
    // Finding any means the last instance stopped mid-drain (a crash, a reset, a deploy): see Drain.cautious.
    ctx.blockConcurrencyWhile(async () => {
      this.drain.cautious = this.store.resetInflight() > 0;
    });
  }

  /** Fans out every event past the cursor, then delivers what is due. Safe to call repeatedly. */
  async pump(tenantId: string): Promise<PumpResult> {
    this.store.rememberTenant(tenantId);
    const read = await this.fanOutNewEvents(tenantId);
    await this.drain.run();
    return { cursor: this.store.cursor(), read };
  }

  /**
   * Fans out every event past the cursor and starts a drain without waiting for it. The operator API calls
   * this before it reads, so its answers include every committed event but never wait on a callback (a
   * drain can run for as long as a slow receiver or a deep backlog takes).
   */
  async refresh(tenantId: string): Promise<PumpResult> {
    this.store.rememberTenant(tenantId);
    const read = await this.fanOutNewEvents(tenantId);
    this.kick();
    return { cursor: this.store.cursor(), read };
  }

  override async alarm(): Promise<void> {
    const tenantId = this.store.tenantId();
    if (tenantId) await this.fanOutNewEvents(tenantId);
    await this.drain.run();
    // If this wake-up joined a drain already under way, that drain may have set the very alarm now firing,
    // which the runtime clears when this handler returns. A pass of our own re-arms it from current state.
    await this.drain.run();
  }

  // ---- Operator API (RPC from the tenant routes) ----

  async listDeliveries(filter: { subscriptionId?: string; status?: DeliveryStatus; afterPosition?: number; limit: number }): Promise<DeliveryView[]> {
    return this.store.list(filter).map(toDeliveryView);
  }

  async getDelivery(id: string): Promise<DeliveryView | null> {
    const row = this.store.get(id);
    return row ? toDeliveryView(row) : null;
  }

  /** Re-sends one delivery as a new delivery (same event and body, new webhook-id) at the end of its stream. */
  async replayDelivery(id: string): Promise<DeliveryView | null> {
    const original = this.store.get(id);
    if (!original) return null;
    const replay = this.ctx.storage.transactionSync(() => {
      // Replaying a blocked head releases its stream: the replay takes its place, ahead of the held events.
      const blocked = original.blocking === 1;
      if (blocked) this.store.finish(original.id, { status: "dead", lastStatus: original.last_status, lastError: original.last_error, now: Date.now() });
      return this.store.replay(original, Date.now(), blocked);
    });
    this.drain.heads.invalidate();
    this.kick();
    return toDeliveryView(replay);
  }

  /** Skips a blocked (or pending) head so its stream moves on. */
  async skipDelivery(id: string): Promise<DeliveryView | null> {
    const row = this.store.get(id);
    if (!row) return null;
    if (row.status === "pending" || row.blocking === 1) {
      this.store.finish(id, { status: "skipped", lastStatus: row.last_status, lastError: row.last_error, now: Date.now() });
      this.drain.heads.invalidate();
      this.kick();
    }
    return toDeliveryView(this.store.get(id)!);
  }

  /** Bulk replay of a subscription's deliveries from an event seq or a time on, in their original order. */
  async replaySubscription(subscriptionId: string, since: { seq?: number; time?: number }): Promise<number> {
    const originals = this.store.originalsSince(subscriptionId, since);
    this.ctx.storage.transactionSync(() => {
      for (const original of originals) this.store.replay(original, Date.now());
    });
    this.drain.heads.invalidate();
    this.kick();
    return originals.length;
  }

  async openDeliveryCount(subscriptionId: string): Promise<number> {
    return this.store.openDeliveries(subscriptionId);
  }

  async streams(): Promise<StreamView[]> {
    const tenantId = this.store.tenantId();
    const newest = tenantId ? await this.controlPlane.newestEventSeq(tenantId) : 0;
    // The callback URL (whose breaker a stream shows) is the subscription's; lifecycle deliveries carry their own.
    const subscriptionsById = tenantId ? await this.controlPlane.subscriptions(tenantId) : new Map<string, Subscription>();
    const heads = new Map(this.store.streamHeads().map((head) => [head.stream_key, head]));
    return this.store.streamSummaries().map((summary) => {
      const head = heads.get(summary.stream_key);
      const url = subscriptionsById.get(summary.subscription_id)?.callbackUrl ?? head?.url;
      return {
        stream: summary.stream_key,
        subscriptionId: summary.subscription_id,
        pending: summary.pending,
        headEventSeq: head?.event_seq ?? null,
        headDeliveryId: head?.id ?? null,
        nextAttemptAt: head && head.status === "pending" ? new Date(head.next_attempt_at).toISOString() : null,
        blocked: head?.blocking === 1,
        deadLetters: summary.dead,
        breaker: url ? (this.store.breaker<CircuitBreaker>(url) ?? CLOSED_BREAKER).state : "closed",
        deliveredSeq: summary.delivered_seq,
        lag: Math.max(0, newest - (summary.delivered_seq ?? 0)),
      };
    });
  }

  /** "Save & test": sends a test event to the subscription now, outside any stream, and returns the attempt. */
  async sendTest(subscriptionId: string): Promise<TestAttempt | null> {
    const tenantId = this.store.tenantId();
    if (!tenantId) return null;
    this.controlPlane.forgetSubscriptions();
    const subscription = (await this.controlPlane.subscriptions(tenantId)).get(subscriptionId);
    if (!subscription) return null;
    const now = Date.now();
    const body = JSON.stringify({ webhook_id: subscription.id, entry_event: "test", form_name: subscription.formName, timestamp: new Date(now).toISOString() });
    this.attempts.useTenant(tenantId);
    const timeoutMs = resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null).timeoutMs;
    const record = await this.attempts.attemptDelivery({ id: `msg_test_${now}`, body, content_type: "application/json" }, subscription, timeoutMs);
    return { statusCode: record.statusCode, durationMs: record.durationMs, error: record.error, responseExcerpt: record.responseExcerpt };
  }

  private fanOutNewEvents(tenantId: string): Promise<number> {
    return this.drain.fanOutNewEvents(tenantId);
  }

  /** Starts a drain without making the caller wait for it. */
  private kick(): void {
    this.ctx.waitUntil(this.drain.run());
  }
}
