/**
 * One tenant's delivery engine, free of the Durable Object API: the cursor, fan-out and drain (drain.ts) over
 * the object's SQLite (delivery-store.ts), the operator's reads and actions (replay, skip, streams, test), and
 * every effect behind EnginePorts. The Durable Object (tenant-delivery.ts) builds it with real ports; the
 * fault simulator (sim/) with seeded fakes. Wake-ups (queue nudge, sweeper, alarm) may repeat: every step is
 * idempotent, and a delivery marked in flight is never picked twice.
 */
import type { Subscription } from "../db/schema";
import { DeliveryStore, type HeldWriteLimits } from "./delivery-store";
import type { DeliveryStatus } from "./delivery-tables";
import { toDeliveryView, type DeliveryView, type StreamView, type TestAttempt } from "./delivery-view";
import { CLOSED_BREAKER, type CircuitBreaker } from "./circuit-breaker";
import { resolveRetryPolicy, type RetryPolicyOverride } from "./retry-policy";
import { Drain, FAILURE_RETRY_MS, SENDS_PER_DRAIN } from "./drain";
import type { EnginePorts } from "./engine-ports";
import type { RaisedSignal } from "./operational-signals";
import { HELD_CAP } from "./held-cap";
import { SealedPasswords } from "./sealed-passwords";
import { rateLimitOf } from "./send-throttle";
import { holds } from "./subscription-holds";

export interface PumpResult {
  cursor: number;
  read: number;
}

export class TenantEngine {
  /** Replaceable by a test (e.g. with other held-write limits); everything reads it through this field. */
  store: DeliveryStore;
  /** SENDS_PER_DRAIN, as a field so a test can make it small. */
  sendsPerDrain: number = SENDS_PER_DRAIN;
  /** HELD_CAP (held-cap.ts), as a field so a test can make it small. */
  heldCap: number = HELD_CAP;
  private readonly drain: Drain;
  private readonly passwords: SealedPasswords;

  constructor(
    private readonly ports: EnginePorts,
    limits?: HeldWriteLimits,
  ) {
    this.store = new DeliveryStore(ports.storage.sql, limits, ports.timers);
    this.passwords = new SealedPasswords({
      controlPlane: () => ports.controlPlane,
      log: ports.log,
      waitUntil: (work) => ports.waitUntil(work),
      now: () => ports.clock.now(),
      stillOpen: (eventSeq) => this.store.hasOpenDelivery(eventSeq),
    });
    this.drain = new Drain({ ports, store: () => this.store, sendsPerDrain: () => this.sendsPerDrain, heldCap: () => this.heldCap, passwords: this.passwords });
  }

  /**
   * Run once when the object starts. A fresh instance has nothing in flight: sends the last one started had an
   * unknown outcome and go again at the retry time their in-flight mark set. Finding any means the last
   * instance stopped mid-drain (a crash, a reset, a deploy): see Drain.cautious.
   */
  start(): void {
    this.drain.cautious = this.store.resetInflight() > 0;
  }

  private get controlPlane() {
    return this.ports.controlPlane;
  }

  private get attempts() {
    return this.ports.attempts;
  }

  /** Fans out every event past the cursor, then delivers what is due. Safe to call repeatedly. */
  /**
   * Fans out every event past the cursor, then delivers what is due. Safe to call repeatedly. With
   * `maxWaitMs`, waits for the drain at most that long and lets it go on alone (the queue consumer: it keeps
   * the natural batching of waiting for the drain under load, without holding a batch on one slow callback).
   */
  async pump(tenantId: string, maxWaitMs?: number): Promise<PumpResult> {
    this.store.rememberTenant(tenantId);
    const read = await this.fanOutNewEvents(tenantId);
    const drained = this.drain.run();
    if (maxWaitMs === undefined) await drained;
    else {
      this.ports.waitUntil(drained.catch(() => undefined));
      let timer: unknown;
      const waited = new Promise<void>((resolve) => (timer = this.ports.timers.set(resolve, maxWaitMs)));
      await Promise.race([drained.catch(() => undefined), waited]);
      this.ports.timers.clear(timer);
    }
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

  /**
   * An operational event raised outside an attempt (a synchronous lifecycle hook unavailable, told by RPC):
   * stored like any other, behind the watchdog, and sent by a drain started without waiting for it.
   */
  async raiseOperational(tenantId: string, signal: RaisedSignal): Promise<void> {
    this.store.rememberTenant(tenantId);
    await this.drain.operations.refresh(tenantId);
    await this.drain.addWork(() => this.ports.storage.transactionSync(() => this.drain.operations.emit(tenantId, [signal])));
    this.kick();
  }

  /**
   * The alarm: fan out, drain, and drain once more (if this wake-up joined a drain under way, that drain may
   * have set the very alarm now firing, which the runtime clears when this returns: a pass of our own re-arms
   * it). A failure is logged and answered with an alarm soon, never thrown: the runtime's own alarm retries
   * give up after a few tries, ours do not.
   */
  async alarm(): Promise<void> {
    try {
      const tenantId = this.store.tenantId();
      if (tenantId) await this.fanOutNewEvents(tenantId);
      await this.drain.run();
      await this.drain.run();
    } catch {
      // Already logged, and an alarm is set (fanOutNewEvents, Drain.drainGuarded).
    }
  }

  // ---- Operator API (RPC from the tenant routes) ----

  async listDeliveries(filter: { subscriptionId?: string; status?: DeliveryStatus; afterPosition?: number; limit: number }): Promise<DeliveryView[]> {
    return this.store.list(filter).map(toDeliveryView);
  }

  async getDelivery(id: string): Promise<DeliveryView | null> {
    const row = this.store.get(id);
    return row ? toDeliveryView(row) : null;
  }

  /**
   * Re-sends one delivery as a new delivery (same event and body, new webhook-id) at the end of its stream.
   * "erased": the delivery's record was erased, there is nothing left to send. "password gone": a changePassword
   * whose every delivery has ended, so its sealed password is deleted (sealed-passwords.ts).
   */
  async replayDelivery(id: string): Promise<DeliveryView | null | "erased" | "password gone"> {
    const original = this.store.get(id);
    if (!original) return null;
    if (this.store.erased.has(original.event_seq)) return "erased";
    if (this.passwords.isGone(original.event_seq, original.body)) return "password gone";
    const replay = await this.drain.addWork(() =>
      this.ports.storage.transactionSync(() => {
        // Replaying a blocked head releases its stream: the replay takes its place, ahead of the held events.
        const blocked = original.blocking === 1;
        if (blocked) this.store.finish(original.id, { status: "dead", lastStatus: original.last_status, lastError: original.last_error, now: this.ports.clock.now() });
        return this.store.replay(original, this.ports.clock.now(), blocked);
      }),
    );
    this.drain.heads.invalidate();
    this.kick();
    return toDeliveryView(replay);
  }

  /** Skips a blocked (or pending) head so its stream moves on; a changePassword's sealed password goes with it. */
  async skipDelivery(id: string): Promise<DeliveryView | null> {
    const row = this.store.get(id);
    if (!row) return null;
    if (row.status === "pending" || row.blocking === 1) {
      await this.drain.addWork(() => this.store.finish(id, { status: "skipped", lastStatus: row.last_status, lastError: row.last_error, now: this.ports.clock.now() }));
      const tenantId = this.store.tenantId();
      if (tenantId) this.passwords.releaseOf(tenantId, row.event_seq, row.body);
      this.passwords.discardReleased();
      this.drain.heads.invalidate();
      this.kick();
    }
    return toDeliveryView(this.store.get(id)!);
  }

  /** Bulk replay of a subscription's deliveries from an event seq or a time on, in their original order. */
  async replaySubscription(subscriptionId: string, since: { seq?: number; time?: number }): Promise<number> {
    const originals = this.store.originalsSince(subscriptionId, since).filter((original) => !this.store.erased.has(original.event_seq));
    const replayAll = () =>
      this.ports.storage.transactionSync(() => {
        for (const original of originals) this.store.replay(original, this.ports.clock.now());
      });
    if (originals.length > 0) await this.drain.addWork(replayAll);
    this.drain.heads.invalidate();
    this.kick();
    return originals.length;
  }

  /**
   * Erasure of a record whose events are `eventSeqs` (already tombstones in D1): its open deliveries are
   * skipped, their streams move on, no body or response excerpt of them is kept (erased-events.ts), and the
   * sealed passwords their changePassword deliveries referred to are deleted.
   */
  async eraseEvents(tenantId: string, eventSeqs: readonly number[]): Promise<void> {
    this.store.rememberTenant(tenantId);
    const erase = () => this.ports.storage.transactionSync(() => this.store.erased.erase(eventSeqs, this.ports.clock.now()));
    // Closing a blocked or pending head frees its stream, which is work for the drain, like a skip.
    this.passwords.discardErased(tenantId, await this.drain.addWork(erase));
    this.drain.heads.invalidate();
    this.kick();
    await this.controlPlane.eraseAttemptExcerpts(tenantId, eventSeqs);
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
    const dropped = this.store.droppedOverCap();
    const lifecycle = tenantId ? await this.controlPlane.lifecycleConfig(tenantId) : null;
    const now = this.ports.clock.now();
    return this.store.streamSummaries().map((summary) => {
      const head = heads.get(summary.stream_key);
      const subscription = subscriptionsById.get(summary.subscription_id);
      const url = subscription?.callbackUrl ?? head?.url;
      const rateLimitPerSecond = rateLimitOf(summary.subscription_id, subscription, lifecycle);
      const due = head !== undefined && head.status === "pending" && head.blocking === 0 && head.next_attempt_at <= now && !holds(subscription);
      return {
        stream: summary.stream_key,
        subscriptionId: summary.subscription_id,
        pending: summary.pending,
        headEventSeq: head?.event_seq ?? null,
        headDeliveryId: head?.id ?? null,
        headCreatedAt: head ? new Date(head.created_at).toISOString() : null,
        nextAttemptAt: head && head.status === "pending" ? new Date(head.next_attempt_at).toISOString() : null,
        blocked: head?.blocking === 1,
        deadLetters: summary.dead,
        droppedOverCap: dropped.get(summary.stream_key) ?? 0,
        breaker: url ? (this.store.breaker<CircuitBreaker>(url) ?? CLOSED_BREAKER).state : "closed",
        deliveredSeq: summary.delivered_seq,
        lag: Math.max(0, newest - (summary.delivered_seq ?? 0)),
        rateLimitPerSecond,
        throttled: due && this.drain.throttle.waiting(summary.subscription_id, rateLimitPerSecond, now),
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
    const now = this.ports.clock.now();
    const body = JSON.stringify({ webhook_id: subscription.id, entry_event: "test", form_name: subscription.formName, timestamp: new Date(now).toISOString() });
    this.attempts.useTenant(tenantId);
    const timeoutMs = resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null).timeoutMs;
    const record = await this.attempts.attemptDelivery({ id: `msg_test_${now}`, body, content_type: "application/json" }, subscription, timeoutMs);
    return { statusCode: record.statusCode, durationMs: record.durationMs, error: record.error, responseExcerpt: record.responseExcerpt };
  }

  /** Fans out every event past the cursor; if D1 fails, the alarm tries again soon (nothing waits for new traffic). */
  async fanOutNewEvents(tenantId: string): Promise<number> {
    try {
      return await this.drain.fanOutNewEvents(tenantId);
    } catch (error) {
      this.ports.log("error", "delivery_fan_out_failed", { tenantId, error: String(error) });
      await this.ports.storage.alarm.set(this.ports.clock.now() + FAILURE_RETRY_MS);
      throw error;
    }
  }

  /** Starts a drain without making the caller wait for it. */
  private kick(): void {
    this.ports.waitUntil(this.drain.run().catch(() => undefined));
  }
}
