/**
 * The engine of one tenant's TenantDelivery object. fanOutNewEvents() turns committed events past the cursor
 * into deliveries (with the new cursor, in one storage transaction); run() drains: it sends the head of every
 * free stream, up to DEFAULT_CONCURRENCY at once, records each outcome (successes as held writes: group
 * commit) and sets the object's one alarm to the earliest retry.
 */
import type { Subscription } from "../db/schema";
import { recordInstanceId } from "../records/record-instance-id";
import { logLine } from "../runtime/log";
import type { AttemptRecord } from "../outbound/attempt";
import { LIFECYCLE_SUBSCRIPTION_ID, planLifecycleDeliveries } from "../lifecycle/post-hooks";
import { planFanOut, type PlannedDelivery } from "./fan-out";
import type { DeliveryRow, DeliveryStore } from "./delivery-store";
import { planSends, DEFAULT_CONCURRENCY } from "./stream-scheduler";
import { recordFailure, recordSend, recordSuccess, type CircuitBreaker } from "./circuit-breaker";
import { decideAfterAttempt, DEFAULT_RETRY_POLICY, resolveRetryPolicy, type AttemptDecision, type RetryPolicy, type RetryPolicyOverride } from "./retry-policy";
import type { ControlPlane } from "./control-plane";
import type { DeliveryAttempts } from "./delivery-attempts";
import { StreamHeads } from "./stream-heads";

const EVENT_PAGE = 100;
const ATTEMPT_LOG_FLUSH = 25;
/**
 * Sends one drain starts before it hands over to an alarm set for now. An invocation may make at most
 * 10,000 subrequests (Workers Paid; each send is one, plus token fetches and attempt-log writes) and use 30 s
 * of CPU by default: a deep backlog is drained in invocations of this many sends, each with fresh limits.
 */
export const SENDS_PER_DRAIN = 500;

/** What the drain uses of its Durable Object. Store and budget are read on every use: the object may change them. */
export interface DrainHost {
  storage: DurableObjectStorage;
  store(): DeliveryStore;
  sendsPerDrain(): number;
}

export class Drain {
  /** The drain's view of every stream's head; whoever changes deliveries outside a drain invalidates it. */
  readonly heads = new StreamHeads();
  /**
   * Until its first drain ends, an instance that found sends in flight writes every outcome and every
   * in-flight mark at once (no held writes): a send that crashes the object is then charged an attempt each
   * time, so it ends dead-lettered instead of crashing the object forever.
   */
  cautious = false;
  /** Sends in flight in this instance, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private draining: Promise<void> | null = null;

  constructor(
    private readonly host: DrainHost,
    private readonly controlPlane: ControlPlane,
    private readonly attempts: DeliveryAttempts,
  ) {}

  private get store(): DeliveryStore {
    return this.host.store();
  }

  /** Fans out every event past the cursor; returns how many events it read. */
  async fanOutNewEvents(tenantId: string): Promise<number> {
    let read = 0;
    this.controlPlane.forget();
    for (;;) {
      const page = await this.controlPlane.eventsAfter(tenantId, this.store.cursor(), EVENT_PAGE);
      const last = page[page.length - 1];
      if (!last) break;
      const active = [...(await this.controlPlane.subscriptions(tenantId)).values()];
      const lifecycle = await this.controlPlane.lifecycleConfig(tenantId);
      const planned: PlannedDelivery[] = [];
      for (const event of page) {
        const instanceId = await recordInstanceId(tenantId, event.form, event.recordId);
        planned.push(...planFanOut(event, active, instanceId), ...planLifecycleDeliveries(event, lifecycle));
      }
      const now = Date.now();
      this.host.storage.transactionSync(() => this.store.addFanOut(planned, last.seq, now));
      this.heads.noteAppended(planned);
      read += page.length;
      if (page.length < EVENT_PAGE) break;
    }
    if (read > 0) await this.controlPlane.saveCursor(tenantId, this.store.cursor());
    return read;
  }

  /** Single flight: concurrent wake-ups join the drain already running. */
  run(): Promise<void> {
    this.draining ??= this.drainUntilIdle().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainUntilIdle(): Promise<void> {
    const tenantId = this.store.tenantId();
    if (!tenantId) return;
    this.controlPlane.forget();
    this.attempts.startDrain(tenantId);
    this.heads.invalidate();
    let started = 0;
    for (;;) {
      const subscriptionsById = await this.controlPlane.subscriptions(tenantId);
      const now = Date.now();
      const heads = this.heads.current(this.store);
      const breakers = new Map<string, CircuitBreaker>();
      const candidates = heads
        .filter((head) => {
          const subscription = subscriptionsById.get(head.subscription_id);
          // A disabled subscription holds its deliveries until it is enabled again.
          return !subscription || (subscription.enabled && subscription.disabledReason === null) || head.status === "inflight";
        })
        .map((head) => {
          const url = subscriptionsById.get(head.subscription_id)?.callbackUrl ?? head.url ?? undefined;
          if (url && !breakers.has(url)) breakers.set(url, this.attempts.breakerOf(url));
          return {
            row: head,
            id: head.id,
            streamKey: head.stream_key,
            seq: head.stream_order ?? head.position,
            nextAttemptAt: head.next_attempt_at,
            inFlight: head.status === "inflight",
            blocked: head.blocking === 1,
            callbackUrl: url,
          };
        });
      const plan = planSends(candidates, { now, concurrency: DEFAULT_CONCURRENCY, breakers });
      const sends = plan.send.slice(0, Math.max(0, this.host.sendsPerDrain() - started));
      for (const pick of sends) this.start(pick.row, subscriptionsById.get(pick.row.subscription_id) ?? null, now);
      started += sends.length;
      if (this.inFlight.size === 0) {
        this.store.flushHeld();
        this.cautious = false;
        this.controlPlane.flushAttemptLogInBackground();
        await this.controlPlane.attemptLogFlushed();
        // Work left that is due now, past this drain's budget: the alarm runs it in an invocation of its own.
        const wakeAt = sends.length < plan.send.length ? Date.now() : plan.wakeAt;
        if (wakeAt === null) await this.host.storage.deleteAlarm();
        else await this.host.storage.setAlarm(wakeAt);
        return;
      }
      await Promise.race(this.inFlight.values());
      // The log goes to D1 while sends go on; the drain waits for it only before it ends.
      if (this.controlPlane.queuedAttempts >= ATTEMPT_LOG_FLUSH) this.controlPlane.flushAttemptLogInBackground();
    }
  }

  /**
   * store.finish(), telling the heads view whether the delivery still holds its stream, so it can move on
   * without a read. A success is a held write (group commit: see DeliveryStore); any other outcome is written at once.
   */
  private finishDelivery(id: string, update: Parameters<DeliveryStore["finish"]>[1]): void {
    this.store.finish(id, update, update.status === "delivered" && !this.cautious ? "held" : "now");
    this.heads.noteFinished(id, update.status === "pending" || update.status === "inflight" || update.blocking === true);
  }

  private start(delivery: DeliveryRow, subscription: Subscription | null, now: number): void {
    // The first send after the held writes reach storage is marked in flight at once, and the output gate
    // holds the request until that commit: while any outcome is held, storage shows a send in flight, so an
    // instance that dies with outcomes unwritten is always followed by a cautious one.
    this.store.markInflight(delivery.id, now, this.cautious || this.store.heldWrites === 0 ? "now" : "held");
    this.heads.noteStarted({ ...delivery, status: "inflight", attempts: delivery.attempts + 1, updated_at: now });
    const url = subscription?.callbackUrl ?? delivery.url;
    if (url) this.attempts.saveBreakerIfChanged(url, (breaker) => recordSend(breaker, now));
    const send = this.send(delivery, subscription, delivery.attempts + 1)
      .catch((error: unknown) => {
        logLine("error", "delivery_send_failed", { deliveryId: delivery.id, error: String(error) });
        this.finishDelivery(delivery.id, { status: "pending", nextAttemptAt: Date.now() + 5_000, lastStatus: null, lastError: "internal error", now: Date.now() });
      })
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.heads.noteSendEnded(delivery.stream_key);
      });
    this.inFlight.set(delivery.id, send);
  }

  private async send(delivery: DeliveryRow, subscription: Subscription | null, attemptNumber: number): Promise<void> {
    if (delivery.subscription_id === LIFECYCLE_SUBSCRIPTION_ID && delivery.url !== null) {
      await this.sendLifecycle({ ...delivery, url: delivery.url }, attemptNumber);
      return;
    }
    if (!subscription) {
      this.finishDelivery(delivery.id, { status: "skipped", lastStatus: null, lastError: "subscription deleted", now: Date.now() });
      return;
    }
    const policy = resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null);
    const record = await this.attempts.attemptDelivery(delivery, subscription, policy.timeoutMs);
    const decision = this.recordAttempt(delivery, attemptNumber, record, {
      policy,
      blockOnDead: subscription.deadLetterPolicy === "block",
      url: subscription.callbackUrl,
      tenantId: subscription.tenantId,
    });
    if (decision.kind === "disable") await this.controlPlane.disable(subscription, "The receiver answered 410 Gone");
  }

  /**
   * A lifecycle hook delivery (postCreateUser, postUpdateUser, runDeprovision): the default retry policy, the
   * tenant's current Bearer token, dead letters skipped. A hook the tenant has since disabled, or a whole
   * configuration removed, skips what is still owed.
   */
  private async sendLifecycle(delivery: DeliveryRow & { url: string }, attemptNumber: number): Promise<void> {
    const tenantId = this.store.tenantId()!;
    const config = await this.controlPlane.lifecycleConfig(tenantId);
    const hook = delivery.url.slice(delivery.url.lastIndexOf("/") + 1);
    if (!config || !config.enabled.some((name) => name === hook)) {
      this.finishDelivery(delivery.id, { status: "skipped", lastStatus: null, lastError: "lifecycle hook no longer enabled", now: Date.now() });
      return;
    }
    const record = await this.attempts.attemptLifecycle(delivery, await this.controlPlane.lifecycleToken(tenantId), DEFAULT_RETRY_POLICY.timeoutMs);
    this.recordAttempt(delivery, attemptNumber, record, { policy: DEFAULT_RETRY_POLICY, blockOnDead: false, url: delivery.url, tenantId });
  }

  /** Applies an attempt's outcome to its delivery and the URL's breaker, and queues it for the attempt log. */
  private recordAttempt(
    delivery: DeliveryRow,
    attemptNumber: number,
    record: AttemptRecord,
    context: { policy: RetryPolicy; blockOnDead: boolean; url: string; tenantId: string },
  ): AttemptDecision {
    const now = Date.now();
    const decision = decideAfterAttempt({ attempt: attemptNumber, outcome: record.outcome, policy: context.policy, now, random: Math.random });
    const common = { lastStatus: record.statusCode, lastError: record.error, now };
    switch (decision.kind) {
      case "delivered":
        this.finishDelivery(delivery.id, { status: "delivered", ...common });
        break;
      case "retry":
        this.finishDelivery(delivery.id, { status: "pending", nextAttemptAt: decision.at, ...common });
        break;
      case "dead_letter":
        this.finishDelivery(delivery.id, { status: "dead", blocking: context.blockOnDead, ...common });
        break;
      case "disable":
        this.finishDelivery(delivery.id, { status: "dead", ...common });
        break;
    }
    this.attempts.saveBreakerIfChanged(context.url, (breaker) => (decision.kind === "delivered" ? recordSuccess() : recordFailure(breaker, now)));
    // One structured line per attempt: identifiers and outcome only, never the body, URL credentials or secrets.
    // Delivered ones are `info`, so LOG_LEVEL=warn keeps only the attempts that need a look.
    logLine(decision.kind === "delivered" ? "info" : "warn", "delivery_attempt", {
      tenantId: context.tenantId,
      deliveryId: delivery.id,
      subscriptionId: delivery.subscription_id,
      eventSeq: delivery.event_seq,
      attempt: attemptNumber,
      status: record.statusCode,
      durationMs: record.durationMs,
      outcome: decision.kind,
    });
    this.controlPlane.logAttempt({
      id: `${delivery.id}_a${attemptNumber}_${now}`,
      tenantId: context.tenantId,
      deliveryId: delivery.id,
      subscriptionId: delivery.subscription_id,
      eventSeq: delivery.event_seq,
      attempt: attemptNumber,
      startedAt: record.startedAt,
      durationMs: record.durationMs,
      statusCode: record.statusCode,
      error: record.error,
      responseExcerpt: record.responseExcerpt,
    });
    return decision;
  }
}
