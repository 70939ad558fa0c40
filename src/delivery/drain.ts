/**
 * The engine of one tenant's TenantDelivery object. fanOutNewEvents() turns committed events past the cursor
 * into deliveries (fan-out-pass.ts); run() drains: it sends the head of every free stream, up to
 * DEFAULT_CONCURRENCY at once and within each subscription's rate limit, records each outcome (successes as
 * held writes: group commit) and sets the object's one alarm to the earliest retry or token.
 */
import type { Subscription } from "../db/schema";
import type { AttemptRecord } from "../outbound/attempt";
import type { DeliveryStore } from "./delivery-store";
import type { HeadRow } from "./delivery-tables";
import { DEFAULT_CONCURRENCY } from "./stream-scheduler";
import { recordSend } from "./circuit-breaker";
import { decideAfterAttempt, type AttemptDecision } from "./retry-policy";
import { forErasedEvent, judgeAttempt, targetOf, type AttemptTarget } from "./attempt-judgement";
import type { EnginePorts } from "./engine-ports";
import { StreamHeads } from "./stream-heads";
import type { SealedPasswords } from "./sealed-passwords";
import { FanOutPass } from "./fan-out-pass";
import { holds } from "./subscription-holds";
import { rateLimitOf, SendThrottle } from "./send-throttle";
import { OperationalEmitter } from "./operational-emitter";
import { isOperationalDelivery } from "./operational-signals";
import { mirrorWakeUp } from "./wake-up-mirror";

const ATTEMPT_LOG_FLUSH = 25;
/**
 * Sends one drain starts before it hands over to an alarm set for now. An invocation may make at most
 * 10,000 subrequests (Workers Paid; each send is one, plus token fetches and attempt-log writes) and use 30 s
 * of CPU by default: a deep backlog is drained in invocations of this many sends, each with fresh limits.
 */
export const SENDS_PER_DRAIN = 500;

/**
 * How long a drain may run without a wake-up behind it: set at its start when no earlier alarm is, so a
 * drain that dies (an exception, a failed D1 read, a reset object) is always followed by another.
 */
export const WATCHDOG_MS = 30_000;
/** After a drain or a fan-out failed: the alarm tries again this soon. */
export const FAILURE_RETRY_MS = 5_000;
/** A suspended tenant sends nothing; its object looks again this often (reactivation also wakes it at once). */
export const SUSPENDED_RECHECK_MS = 15 * 60_000;

/** What the drain uses of its engine. Store and budget are read on every use: the engine may change them. */
export interface DrainHost {
  ports: EnginePorts;
  store(): DeliveryStore;
  sendsPerDrain(): number;
  /** HELD_CAP, or what a test set. */
  heldCap(): number;
  /** The engine's sealed passwords (changePassword): opened at send time, released when their delivery ends. */
  passwords: SealedPasswords;
}

export class Drain {
  /** The drain's view of every stream's head; whoever changes deliveries outside a drain invalidates it. */
  readonly heads = new StreamHeads();
  /** Operational events: raised with the outcomes that cause them, sent on streams of their own. */
  readonly operations: OperationalEmitter;
  /**
   * Until its first drain ends, an instance that found sends in flight writes every outcome and every
   * in-flight mark at once (no held writes): a send that crashes the object is then charged an attempt each
   * time, so it ends dead-lettered instead of crashing the object forever.
   */
  cautious = false;
  /** Sends in flight in this instance, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private draining: Promise<void> | null = null;
  /**
   * Set when a wake-up joins the drain under way: work may have appeared since it last looked (a fan-out, a
   * replay, a skip), so it looks again before it writes its alarm and ends.
   */
  private dirty = false;
  /**
   * Work being added right now (see addWork()): its watchdog is set, or about to be, and a drain that ends
   * meanwhile must not write a later alarm from a plan that does not include it.
   */
  private addingWork = 0;
  private readonly fanOut: FanOutPass;
  /** Per-subscription rate limits (send-throttle.ts); the streams view asks it which heads wait for a token. */
  readonly throttle = new SendThrottle();

  constructor(private readonly host: DrainHost) {
    this.fanOut = new FanOutPass({ ...host, heads: this.heads, addWork: (store) => this.addWork(store) });
    this.operations = new OperationalEmitter(host.ports, () => host.store(), this.heads);
  }

  private get store(): DeliveryStore {
    return this.host.store();
  }

  private get ports(): EnginePorts {
    return this.host.ports;
  }

  private get controlPlane() {
    return this.ports.controlPlane;
  }

  private get attempts() {
    return this.ports.attempts;
  }

  private now(): number {
    return this.ports.clock.now();
  }

  /** Fans out every event past the cursor; returns how many events it read (fan-out-pass.ts). */
  fanOutNewEvents(tenantId: string): Promise<number> {
    return this.fanOut.run(tenantId);
  }

  /**
   * Stores open work (a fan-out, a replay, a skip that frees a stream) behind the watchdog: the alarm is set no
   * later than WATCHDOG_MS from now before `store` runs, so an object that dies right after is still woken, even
   * if no drain ever started; a drain ending meanwhile never moves that alarm later (see `addingWork`); and a
   * drain under way plans again before it ends, since its plan does not include this work.
   */
  async addWork<T>(store: () => T): Promise<T> {
    this.addingWork++;
    try {
      await this.ensureWatchdog();
      const result = store();
      if (this.draining) this.dirty = true;
      return result;
    } finally {
      this.addingWork--;
    }
  }

  /** Makes sure the alarm is set no later than WATCHDOG_MS from now. */
  async ensureWatchdog(): Promise<void> {
    const alarm = this.ports.storage.alarm;
    const watchdog = this.now() + WATCHDOG_MS;
    const current = await alarm.get();
    if (current === null || current > watchdog) await alarm.set(watchdog);
  }

  /** Single flight: concurrent wake-ups join the drain already running, which then looks again before it ends. */
  run(): Promise<void> {
    if (this.draining) {
      this.dirty = true;
      return this.draining;
    }
    this.dirty = false;
    this.draining = this.drainGuarded().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  /**
   * A drain behind a watchdog: before its first read, an alarm is set no later than WATCHDOG_MS from now; if
   * it fails, the alarm is set to try again soon. Either way no open delivery is left without a wake-up.
   */
  private async drainGuarded(): Promise<void> {
    if (!this.store.tenantId()) return;
    const alarm = this.ports.storage.alarm;
    await this.ensureWatchdog();
    try {
      await this.drainUntilIdle();
    } catch (error) {
      this.ports.log("error", "delivery_drain_failed", { tenantId: this.store.tenantId(), error: String(error) });
      await alarm.set(this.now() + FAILURE_RETRY_MS);
      throw error;
    }
  }

  private async drainUntilIdle(): Promise<void> {
    const tenantId = this.store.tenantId();
    if (!tenantId) return;
    this.controlPlane.forget();
    if (!(await this.controlPlane.tenantActive(tenantId))) {
      // Suspended: every delivery waits where it is (nothing is lost) until the tenant is active again.
      await this.ports.storage.alarm.set(this.now() + SUSPENDED_RECHECK_MS);
      return;
    }
    this.attempts.startDrain(tenantId);
    // Read at once, not one after another: who hears of operational events, and the subscriptions and lifecycle
    // hooks the loop below then finds cached (each is a D1 round trip before the first send).
    await Promise.all([this.operations.refresh(tenantId), this.controlPlane.subscriptions(tenantId), this.controlPlane.lifecycleConfig(tenantId)]);
    // The heads view outlives a drain: everything that changes deliveries outside one notes it there (a
    // fan-out its new streams, an operator's replay or skip invalidates it), so a new drain does not read
    // every stream's head again; a new instance starts with none read.
    let started = 0;
    let subscriptionsSeen: Map<string, Subscription> | null = null;
    for (;;) {
      const subscriptionsById = await this.controlPlane.subscriptions(tenantId);
      const lifecycle = await this.controlPlane.lifecycleConfig(tenantId);
      // Asked again as the drain goes (D1 at most once per ACTIVE_CACHE_MS): a suspension stops new sends
      // within about a second, even in a long drain; the sends already out finish.
      const active = await this.controlPlane.tenantActive(tenantId);
      const now = this.now();
      this.heads.refresh(this.store);
      // Reloaded subscriptions may have released heads set aside for a disabled one.
      if (subscriptionsById !== subscriptionsSeen) {
        this.heads.release((id) => holds(subscriptionsById.get(id)));
        this.store.failing.forgetDeleted((id) => subscriptionsById.has(id));
      }
      subscriptionsSeen = subscriptionsById;
      const budget = this.host.sendsPerDrain() - started;
      const sends = this.heads.plan({
        now,
        limit: active ? Math.min(DEFAULT_CONCURRENCY - this.inFlight.size, budget) : 0,
        factsOf: (head) => {
          const subscription = subscriptionsById.get(head.subscription_id);
          const url = subscription?.callbackUrl ?? head.url ?? undefined;
          return { nextAttemptAt: head.next_attempt_at, held: holds(subscription), url, breaker: url === undefined ? undefined : this.attempts.breakerOf(url) };
        },
        // A head waiting for its rate limit's next token is queued for it: the alarm below wakes the drain then.
        throttle: (head) => this.throttle.take(head.subscription_id, rateLimitOf(head.subscription_id, subscriptionsById.get(head.subscription_id), lifecycle), now),
      });
      for (const head of sends) this.start(head, subscriptionsById.get(head.subscription_id) ?? null, now, tenantId);
      started += sends.length;
      if (this.inFlight.size === 0) {
        this.store.flushHeld();
        this.host.passwords.discardReleased();
        this.cautious = false;
        this.controlPlane.flushAttemptLogInBackground();
        await this.controlPlane.attemptLogFlushed();
        // A wake-up joined while the log was written: its work is not in this plan, so plan again.
        if (this.takeDirty()) continue;
        // Work left that is due now, past this drain's budget, is due at once: the alarm runs it in an
        // invocation of its own.
        const earliest = this.heads.earliestReady();
        let wakeAt = active || earliest === null ? earliest : Math.max(earliest, this.now() + SUSPENDED_RECHECK_MS);
        if (this.addingWork > 0) wakeAt = Math.min(wakeAt ?? Infinity, this.now() + WATCHDOG_MS);
        if (wakeAt === null) await this.ports.storage.alarm.delete();
        else await this.ports.storage.alarm.set(wakeAt);
        await mirrorWakeUp(this.ports, tenantId, wakeAt);
        // The same after the alarm write; from here to the end nothing awaits, so no wake-up can slip in.
        if (this.takeDirty()) continue;
        return;
      }
      await Promise.race(this.inFlight.values());
      // The log goes to D1 while sends go on; the drain waits for it only before it ends.
      if (this.controlPlane.queuedAttempts >= ATTEMPT_LOG_FLUSH) this.controlPlane.flushAttemptLogInBackground();
    }
  }

  /** True once per join: clears the flag (the joined work noted its changes in the heads view itself). */
  private takeDirty(): boolean {
    if (!this.dirty) return false;
    this.dirty = false;
    return true;
  }

  /**
   * store.finish(), telling the heads view whether the delivery still holds its stream, so it can move on
   * without a read. A success is a held write (group commit: see DeliveryStore); any other outcome is written at once.
   */
  private finishDelivery(id: string, update: Parameters<DeliveryStore["finish"]>[1]): void {
    this.store.finish(id, update, update.status === "delivered" && !this.cautious ? "held" : "now");
    this.heads.noteFinished(id, update.status === "pending" || update.status === "inflight" || update.blocking === true);
  }

  /** Starts one send. Reads nothing from the store: a read would run the held writes (see DeliveryStore). */
  private start(delivery: HeadRow, subscription: Subscription | null, now: number, tenantId: string): void {
    const target = targetOf(delivery, subscription, tenantId);
    if (target && delivery.attempts >= target.policy.maxAttempts) {
      // Every attempt was made and the last one's outcome never came back (the object died during it).
      const lastError = `Gave up after ${delivery.attempts} attempts: the outcome of the last one is unknown (interrupted)`;
      const update = { status: "dead" as const, blocking: target.blockOnDead, lastStatus: delivery.last_status, lastError, now };
      this.operations.recordOutcome(delivery, delivery.attempts, update, (breaker) => breaker, target, () => this.finishDelivery(delivery.id, update));
      // A lifecycle delivery (no subscription) may hold a changePassword's sealed password: it has ended.
      if (!subscription) this.host.passwords.releaseOf(tenantId, delivery.event_seq, this.store.bodyOf(delivery.id));
      this.heads.noteSendEnded(delivery.stream_key);
      // No send ends to trigger the next plan, and the current one still counts this head: plan again.
      this.dirty = true;
      return;
    }
    const attemptNumber = delivery.attempts + 1;
    // If this send never reports (the object dies during it), it goes again when a timeout would have sent it.
    const ifLost = target ? decideAfterAttempt({ attempt: attemptNumber, outcome: { kind: "timeout" }, policy: target.policy, now, random: () => this.ports.random() }) : null;
    const retryAt = ifLost?.kind === "retry" ? ifLost.at : now;
    // The first send after the held writes reach storage is marked in flight at once, and the output gate
    // holds the request until that commit: while any outcome is held, storage shows a send in flight, so an
    // instance that dies with outcomes unwritten is always followed by a cautious one.
    this.store.markInflight(delivery.id, now, retryAt, this.cautious || this.store.heldWrites === 0 ? "now" : "held");
    this.heads.noteStarted({ ...delivery, status: "inflight", attempts: attemptNumber, next_attempt_at: retryAt, updated_at: now });
    if (target) this.attempts.saveBreakerIfChanged(target.url, (breaker) => recordSend(breaker, now));
    const send = this.send(delivery, subscription, target, attemptNumber)
      .catch((error: unknown) => {
        // An exception in the send path is an attempt like any other: retried by the policy, dead-lettered at its end.
        const message = error instanceof Error ? error.message : String(error);
        this.ports.log("error", "delivery_send_failed", { deliveryId: delivery.id, error: message });
        if (!target) return;
        const failed: AttemptRecord = {
          outcome: { kind: "network_error", error: message },
          startedAt: now,
          durationMs: this.now() - now,
          statusCode: null,
          error: `Internal error: ${message}`,
          responseExcerpt: null,
        };
        this.recordAttempt(delivery, attemptNumber, failed, target);
      })
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.heads.noteSendEnded(delivery.stream_key);
      });
    this.inFlight.set(delivery.id, send);
  }

  private async send(delivery: HeadRow, subscription: Subscription | null, target: AttemptTarget | null, attemptNumber: number): Promise<void> {
    if (!target) {
      this.finishDelivery(delivery.id, { status: "skipped", lastStatus: null, lastError: "subscription deleted", now: this.now() });
      return;
    }
    // Heads are read without bodies; the body only now, for the one delivery that goes.
    const body = this.store.bodyOf(delivery.id) ?? "";
    if (isOperationalDelivery(delivery)) {
      return this.operations.send({ ...delivery, url: target.url, body }, target, (record) => this.recordAttempt(delivery, attemptNumber, record, target), (update) => this.finishDelivery(delivery.id, update));
    }
    if (!subscription) {
      await this.sendLifecycle({ ...delivery, url: target.url, body }, attemptNumber, target);
      return;
    }
    const record = await this.attempts.attemptDelivery({ ...delivery, body }, subscription, target.policy.timeoutMs);
    const decision = this.recordAttempt(delivery, attemptNumber, record, target);
    if (decision.kind === "disable") await this.operations.disable(subscription, decision.reason);
  }

  /**
   * A lifecycle hook delivery (postCreateUser, postUpdateUser, runDeprovision): the default retry policy, the
   * tenant's current Bearer token, dead letters skipped. A hook the tenant has since disabled, or a whole
   * configuration removed, skips what is still owed.
   */
  private async sendLifecycle(delivery: HeadRow & { url: string; body: string }, attemptNumber: number, target: AttemptTarget): Promise<void> {
    const config = await this.controlPlane.lifecycleConfig(target.tenantId);
    const hook = delivery.url.slice(delivery.url.lastIndexOf("/") + 1);
    if (!config || !config.enabled.some((name) => name === hook)) {
      this.finishDelivery(delivery.id, { status: "skipped", lastStatus: null, lastError: "lifecycle hook no longer enabled", now: this.now() });
      this.host.passwords.releaseOf(target.tenantId, delivery.event_seq, delivery.body);
      return;
    }
    // changePassword: the password goes in now, and nothing of the receiver's answer is kept (it may echo it).
    const opened = await this.host.passwords.open(target.tenantId, delivery.body);
    const record = opened.ok ? await this.attempts.attemptLifecycle({ ...delivery, body: opened.body }, await this.controlPlane.lifecycleToken(target.tenantId), target.policy.timeoutMs) : opened.record;
    const decision = this.recordAttempt(delivery, attemptNumber, opened.sealedRef === null ? record : { ...record, responseExcerpt: null }, target);
    if (decision.kind !== "retry") this.host.passwords.release(target.tenantId, delivery.event_seq, opened.sealedRef);
  }

  /** Applies an attempt's outcome to its delivery and the URL's breaker, and queues it for the attempt log. */
  private recordAttempt(delivery: HeadRow, attemptNumber: number, record: AttemptRecord, target: AttemptTarget): AttemptDecision {
    const failingSince = this.store.failing.since(delivery.subscription_id, target);
    const judged = judgeAttempt({ delivery, attemptNumber, record, target, now: this.now(), random: () => this.ports.random(), failingSince });
    this.store.failing.note(delivery.subscription_id, target, judged.decision.kind !== "delivered", this.now());
    // The record was erased while this send was out: it is not sent again, and its response is not kept.
    const judgement = this.store.erased.has(delivery.event_seq) ? forErasedEvent(judged) : judged;
    const wasClosed = this.attempts.breakerOf(target.url).state === "closed";
    // With the operational events it raises, in one storage transaction.
    this.operations.recordOutcome(delivery, attemptNumber, judgement.update, judgement.breaker, target, () => {
      this.finishDelivery(delivery.id, judgement.update);
      this.attempts.saveBreakerIfChanged(target.url, judgement.breaker);
    });
    if (!wasClosed && this.attempts.breakerOf(target.url).state === "closed") this.heads.breakerClosed(target.url);
    this.ports.log(judgement.logLine.level, "delivery_attempt", judgement.logLine.fields);
    this.controlPlane.logAttempt(judgement.logRow);
    return judgement.decision;
  }
}
