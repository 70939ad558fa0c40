/**
 * TenantDelivery: one Durable Object per tenant (idFromName(tenantId)), the single writer of that tenant's
 * outbound state. pump() reads committed events after its cursor from D1 in seq order, fans each out to the
 * matching subscriptions (recording deliveries and the new cursor in one storage transaction), then drains:
 * it sends the head of every free stream, up to DEFAULT_CONCURRENCY at once, records each outcome, and
 * sets its one alarm to the earliest retry. Wake-ups (queue nudge, sweeper, alarm) may repeat: every step is
 * idempotent, and a delivery marked in flight is never picked twice.
 */
import { DurableObject } from "cloudflare:workers";
import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Bindings } from "../runtime/env";
import { readConfig } from "../runtime/env";
import { database, type Database } from "../db/client";
import { deliveryAttempts, deliveryCursors, events, type LifecycleHooks, type Subscription } from "../db/schema";
import { disableSubscription, listAllSubscriptions } from "../subscriptions/subscription-store";
import { recordInstanceId } from "../records/record-instance-id";
import { logLine } from "../runtime/log";
import { planDeliveries as fanOut, type PlannedDelivery } from "./fan-out";
import { DeliveryStore, type DeliveryRow, type DeliveryStatus } from "./delivery-store";
import { toDeliveryView, type DeliveryView, type StreamView, type TestAttempt } from "./delivery-view";
import { planDeliveries as planSends, DEFAULT_CONCURRENCY } from "./stream-scheduler";
import { CLOSED_BREAKER, recordFailure, recordSend, recordSuccess, type CircuitBreaker } from "./circuit-breaker";
import { decideAfterAttempt, DEFAULT_RETRY_POLICY, resolveRetryPolicy, type AttemptDecision, type RetryPolicy, type RetryPolicyOverride } from "./retry-policy";
import { attempt, type AttemptRecord } from "../outbound/attempt";
import { authenticatesWithToken, buildLifecycleRequest, buildOutboundRequest, forgetCallbackToken, OutboundCredentials } from "./outbound-request";
import { checkCallbackUrl, type CallbackUrlCheck } from "../outbound/ssrf-guard";
import { findLifecycleConfig, lifecycleTarget } from "../lifecycle/config-store";
import { LIFECYCLE_SUBSCRIPTION_ID, planLifecycleDeliveries } from "../lifecycle/post-hooks";

const EVENT_PAGE = 100;
const ATTEMPT_LOG_FLUSH = 25;
/** Open deliveries read ahead of a stream's head at once, so a backlog is not read back one row per send. */
const STREAM_LOOKAHEAD = 64;
/**
 * Sends one drain starts before it hands over to an alarm set for now. An invocation may make at most
 * 10,000 subrequests (Workers Paid; each send is one, plus token fetches and attempt-log writes) and use 30 s
 * of CPU by default: a deep backlog is drained in invocations of this many sends, each with fresh limits.
 */
export const SENDS_PER_DRAIN = 500;
export interface PumpResult {
  cursor: number;
  read: number;
}

export class TenantDelivery extends DurableObject<Bindings> {
  private readonly store: DeliveryStore;
  /** Sends in flight in this instance, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private draining: Promise<void> | null = null;
  private attemptLog: (typeof deliveryAttempts.$inferInsert)[] = [];
  private subscriptionCache: Map<string, Subscription> | null = null;
  /** The tenant's lifecycle hook configuration (undefined: not loaded since the last reset) and its opened token. */
  private lifecycleCache: { config: LifecycleHooks | null; token: Promise<string | null> | null } | undefined;
  /** Opened secrets, kept for the life of this instance (keyed by secret reference: see OutboundCredentials). */
  private credentials: OutboundCredentials | null = null;
  /**
   * The drain's view of every stream's head, by stream key; null when it must be read again in full (a new
   * drain, a fan-out, an operator's replay or skip). Between full reads only the streams in `changedStreams`
   * (a send of theirs finished) are read again, each by one index seek, instead of every stream's head.
   */
  private heads: Map<string, DeliveryRow> | null = null;
  private readonly changedStreams = new Set<string>();
  /**
   * Per stream, the open deliveries behind its head in stream order, as last read (at most STREAM_LOOKAHEAD),
   * valid while `heads` is: when a head is closed (delivered, skipped, dead and not blocking) the next one
   * comes from here instead of another read.
   */
  private readonly upcoming = new Map<string, DeliveryRow[]>();
  /** Deliveries closed since the drain last looked at their stream (see finishDelivery()). */
  private readonly closedSinceLook = new Set<string>();
  /**
   * Circuit breakers by callback URL as stored, read once per drain: this object is their only writer while a
   * drain runs (saveBreakerIfChanged() writes through), so each send needs no read of its own.
   */
  private readonly breakerCache = new Map<string, CircuitBreaker | null>();
  /** The SSRF guard's verdict per callback URL for this drain: a pure function of the URL and the environment. */
  private readonly urlChecks = new Map<string, CallbackUrlCheck>();
  /**
   * Until its first drain ends, an instance that found sends in flight writes every outcome and every
   * in-flight mark at once (no held writes): a send that crashes the object is then charged an attempt each
   * time, so it ends dead-lettered instead of crashing the object forever.
   */
  private cautious = false;
  /** SENDS_PER_DRAIN, as a field so a test can make it small. */
  private readonly sendsPerDrain: number = SENDS_PER_DRAIN;
  /** Attempt-log flushes under way; a drain waits for them before it ends, not before its next send. */
  private attemptLogFlushes: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = new DeliveryStore(ctx.storage.sql);
    // Validates the configuration and applies LOG_LEVEL in this object's isolate before its first log line.
    readConfig(env);
    // A fresh instance has nothing in flight: sends the last one started had an unknown outcome and go again.
    // Finding any means the last instance stopped mid-drain (a crash, a reset, a deploy): see `cautious`.
    ctx.blockConcurrencyWhile(async () => {
      this.cautious = this.store.resetInflight() > 0;
    });
  }

  private get db(): Database {
    return database(this.env.DB);
  }

  /** Fans out every event past the cursor, then delivers what is due. Safe to call repeatedly. */
  async pump(tenantId: string): Promise<PumpResult> {
    this.store.rememberTenant(tenantId);
    const read = await this.fanOutNewEvents(tenantId);
    await this.drain();
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
    await this.drain();
    // If this wake-up joined a drain already under way, that drain may have set the very alarm now firing,
    // which the runtime clears when this handler returns. A pass of our own re-arms it from current state.
    await this.drain();
  }

  async getCursor(): Promise<number> {
    return this.store.cursor();
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
    this.heads = null;
    this.kick();
    return toDeliveryView(replay);
  }

  /** Skips a blocked (or pending) head so its stream moves on. */
  async skipDelivery(id: string): Promise<DeliveryView | null> {
    const row = this.store.get(id);
    if (!row) return null;
    if (row.status === "pending" || row.blocking === 1) {
      this.store.finish(id, { status: "skipped", lastStatus: row.last_status, lastError: row.last_error, now: Date.now() });
      this.heads = null;
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
    this.heads = null;
    this.kick();
    return originals.length;
  }

  async streams(): Promise<StreamView[]> {
    const tenantId = this.store.tenantId();
    const newest = tenantId ? await this.newestEventSeq(tenantId) : 0;
    // The callback URL (whose breaker a stream shows) is the subscription's; lifecycle deliveries carry their own.
    const subscriptionsById = tenantId ? await this.subscriptions(tenantId) : new Map<string, Subscription>();
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
    this.subscriptionCache = null;
    const subscription = (await this.subscriptions(tenantId)).get(subscriptionId);
    if (!subscription) return null;
    const now = Date.now();
    const body = JSON.stringify({ webhook_id: subscription.id, entry_event: "test", form_name: subscription.formName, timestamp: new Date(now).toISOString() });
    this.credentials ??= new OutboundCredentials(this.env, tenantId);
    const timeoutMs = resolveRetryPolicy(subscription.retryPolicy as RetryPolicyOverride | null).timeoutMs;
    const record = await this.attemptDelivery({ id: `msg_test_${now}`, body, content_type: "application/json" }, subscription, timeoutMs);
    return { statusCode: record.statusCode, durationMs: record.durationMs, error: record.error, responseExcerpt: record.responseExcerpt };
  }

  private async newestEventSeq(tenantId: string): Promise<number> {
    const row = await this.db.select({ seq: events.seq }).from(events).where(eq(events.tenantId, tenantId)).orderBy(desc(events.seq)).limit(1).get();
    return row?.seq ?? 0;
  }

  /** Starts a drain without making the caller wait for it. */
  private kick(): void {
    this.ctx.waitUntil(this.drain());
  }

  private async fanOutNewEvents(tenantId: string): Promise<number> {
    let read = 0;
    this.subscriptionCache = null;
    this.lifecycleCache = undefined;
    for (;;) {
      const page = await this.db
        .select()
        .from(events)
        .where(and(eq(events.tenantId, tenantId), gt(events.seq, this.store.cursor())))
        .orderBy(asc(events.seq))
        .limit(EVENT_PAGE)
        .all();
      const last = page[page.length - 1];
      if (!last) break;
      const active = [...(await this.subscriptions(tenantId)).values()];
      const { config: lifecycle } = await this.lifecycle(tenantId);
      const planned: PlannedDelivery[] = [];
      for (const event of page) {
        const instanceId = await recordInstanceId(tenantId, event.form, event.recordId);
        planned.push(...fanOut(event, active, instanceId), ...planLifecycleDeliveries(event, lifecycle));
      }
      const now = Date.now();
      this.ctx.storage.transactionSync(() => this.store.addFanOut(planned, last.seq, now));
      this.noteAppended(planned);
      read += page.length;
      if (page.length < EVENT_PAGE) break;
    }
    if (read > 0) {
      const cursor = this.store.cursor();
      await this.db
        .insert(deliveryCursors)
        .values({ tenantId, seq: cursor, updatedAt: Date.now() })
        .onConflictDoUpdate({ target: deliveryCursors.tenantId, set: { seq: cursor, updatedAt: Date.now() } });
    }
    return read;
  }

  private async subscriptions(tenantId: string): Promise<Map<string, Subscription>> {
    if (!this.subscriptionCache) {
      const rows = await listAllSubscriptions(this.db, tenantId);
      this.subscriptionCache = new Map(rows.map((row) => [row.id, row]));
    }
    return this.subscriptionCache;
  }

  private async lifecycle(tenantId: string): Promise<{ config: LifecycleHooks | null; token: Promise<string | null> | null }> {
    if (!this.lifecycleCache) {
      const config = await findLifecycleConfig(this.db, tenantId);
      this.lifecycleCache = { config, token: null };
    }
    return this.lifecycleCache;
  }

  /** The tenant's lifecycle token, opened once per drain; null when there is no configuration or no token. */
  private async lifecycleToken(tenantId: string): Promise<string | null> {
    const cache = await this.lifecycle(tenantId);
    if (!cache.config) return null;
    const config = cache.config;
    cache.token ??= lifecycleTarget(this.env, config).then((target) => target?.token ?? null);
    return cache.token;
  }

  /** Single flight: concurrent wake-ups join the drain already running. */
  private drain(): Promise<void> {
    this.draining ??= this.drainUntilIdle().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainUntilIdle(): Promise<void> {
    const tenantId = this.store.tenantId();
    if (!tenantId) return;
    this.subscriptionCache = null;
    this.lifecycleCache = undefined;
    this.credentials ??= new OutboundCredentials(this.env, tenantId);
    this.heads = null;
    this.breakerCache.clear();
    this.urlChecks.clear();
    let started = 0;
    for (;;) {
      const subscriptionsById = await this.subscriptions(tenantId);
      const now = Date.now();
      const heads = this.currentHeads();
      const breakers = new Map<string, CircuitBreaker>();
      const candidates = heads
        .filter((head) => {
          const subscription = subscriptionsById.get(head.subscription_id);
          // A disabled subscription holds its deliveries until it is enabled again.
          return !subscription || (subscription.enabled && subscription.disabledReason === null) || head.status === "inflight";
        })
        .map((head) => {
          const url = subscriptionsById.get(head.subscription_id)?.callbackUrl ?? head.url ?? undefined;
          if (url && !breakers.has(url)) breakers.set(url, this.breakerOf(url));
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
      const sends = plan.send.slice(0, Math.max(0, this.sendsPerDrain - started));
      for (const pick of sends) this.start(pick.row, subscriptionsById.get(pick.row.subscription_id) ?? null, now);
      started += sends.length;
      if (this.inFlight.size === 0) {
        this.store.flushHeld();
        this.cautious = false;
        this.flushAttemptLogInBackground();
        await this.attemptLogFlushes;
        // Work left that is due now, past this drain's budget: the alarm runs it in an invocation of its own.
        const wakeAt = sends.length < plan.send.length ? Date.now() : plan.wakeAt;
        if (wakeAt === null) await this.ctx.storage.deleteAlarm();
        else await this.ctx.storage.setAlarm(wakeAt);
        return;
      }
      await Promise.race(this.inFlight.values());
      // The log goes to D1 while sends go on; the drain waits for it only before it ends.
      if (this.attemptLog.length >= ATTEMPT_LOG_FLUSH) this.flushAttemptLogInBackground();
    }
  }

  /**
   * Every stream's head, as store.streamHeads() gives it: read in full when `heads` was invalidated, else only
   * the streams whose send finished since the last call are read again (only a stream's own send changes its
   * head while a drain runs; anything else invalidates the whole view).
   */
  private currentHeads(): DeliveryRow[] {
    if (this.heads === null) {
      this.changedStreams.clear();
      this.upcoming.clear();
      this.closedSinceLook.clear();
      this.heads = new Map(this.store.streamHeads().map((head) => [head.stream_key, head]));
    } else {
      for (const key of this.changedStreams) {
        const head = this.nextHead(key, this.heads.get(key));
        if (head) this.heads.set(key, head);
        else this.heads.delete(key);
      }
      this.changedStreams.clear();
    }
    return [...this.heads.values()];
  }

  /**
   * A stream's head after its send finished. If that send closed the old head, the next open delivery in
   * stream order is the first of the look-ahead (read again, STREAM_LOOKAHEAD at a time, when it runs out);
   * otherwise (a retry is due later, a dead letter blocks) the head is read again and the look-ahead kept.
   */
  private nextHead(key: string, previous: DeliveryRow | undefined): DeliveryRow | null {
    if (!previous || !this.closedSinceLook.delete(previous.id)) {
      this.upcoming.delete(key);
      return this.store.streamHead(key);
    }
    const ahead = this.upcoming.get(key);
    if (ahead && ahead.length > 0) return ahead.shift()!;
    const rows = this.store.streamAhead(key, STREAM_LOOKAHEAD);
    this.upcoming.set(key, rows.slice(1));
    return rows[0] ?? null;
  }

  /**
   * After a fan-out: new deliveries take the highest positions, so they join the end of their streams and
   * every head and look-ahead the drain holds stays right. Only a stream the drain holds no head for (new, or
   * drained empty) has to be read again.
   */
  private noteAppended(planned: readonly PlannedDelivery[]): void {
    if (this.heads === null) return;
    for (const delivery of planned) if (!this.heads.has(delivery.streamKey)) this.changedStreams.add(delivery.streamKey);
  }

  /**
   * store.finish(), noting a delivery that no longer holds its stream so nextHead() can move on without a read.
   * A success is a held write (group commit: see DeliveryStore); any other outcome is written at once.
   */
  private finishDelivery(id: string, update: Parameters<DeliveryStore["finish"]>[1]): void {
    this.store.finish(id, update, update.status === "delivered" && !this.cautious ? "held" : "now");
    const open = update.status === "pending" || update.status === "inflight" || update.blocking === true;
    if (open) this.closedSinceLook.delete(id);
    else this.closedSinceLook.add(id);
  }

  /** The breaker of a callback URL (closed when none is stored), read from storage once per drain. */
  private breakerOf(url: string): CircuitBreaker {
    let breaker = this.breakerCache.get(url);
    if (breaker === undefined) {
      breaker = this.store.breaker<CircuitBreaker>(url);
      this.breakerCache.set(url, breaker);
    }
    return breaker ?? CLOSED_BREAKER;
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

  private start(delivery: DeliveryRow, subscription: Subscription | null, now: number): void {
    // The first send after the held writes reach storage is marked in flight at once, and the output gate
    // holds the request until that commit: while any outcome is held, storage shows a send in flight, so an
    // instance that dies with outcomes unwritten is always followed by a cautious one.
    this.store.markInflight(delivery.id, now, this.cautious || this.store.heldWrites === 0 ? "now" : "held");
    // What markInflight wrote, so the drain's view of this stream is current without reading it again.
    this.heads?.set(delivery.stream_key, { ...delivery, status: "inflight", attempts: delivery.attempts + 1, updated_at: now });
    const url = subscription?.callbackUrl ?? delivery.url;
    if (url) this.saveBreakerIfChanged(url, (breaker) => recordSend(breaker, now));
    const send = this.send(delivery, subscription, delivery.attempts + 1)
      .catch((error: unknown) => {
        logLine("error", "delivery_send_failed", { deliveryId: delivery.id, error: String(error) });
        this.finishDelivery(delivery.id, { status: "pending", nextAttemptAt: Date.now() + 5_000, lastStatus: null, lastError: "internal error", now: Date.now() });
      })
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.changedStreams.add(delivery.stream_key);
      });
    this.inFlight.set(delivery.id, send);
  }

  /** Applies a transition to a URL's breaker and writes it only when it changed (no row reads as closed). */
  private saveBreakerIfChanged(url: string, transition: (breaker: CircuitBreaker) => CircuitBreaker): void {
    const current = this.breakerOf(url);
    const next = transition(current);
    const unchanged =
      next === current ||
      (next.state === current.state &&
        next.consecutiveFailures === current.consecutiveFailures &&
        next.openedAt === current.openedAt &&
        next.openUntil === current.openUntil);
    if (!unchanged) {
      this.store.saveBreaker(url, next);
      this.breakerCache.set(url, next);
    }
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
    const record = await this.attemptDelivery(delivery, subscription, policy.timeoutMs);
    const decision = this.recordAttempt(delivery, attemptNumber, record, {
      policy,
      blockOnDead: subscription.deadLetterPolicy === "block",
      url: subscription.callbackUrl,
      tenantId: subscription.tenantId,
    });
    if (decision.kind === "disable") await this.disable(subscription, "The receiver answered 410 Gone");
  }

  /**
   * A lifecycle hook delivery (postCreateUser, postUpdateUser, runDeprovision): the default retry policy, the
   * tenant's current Bearer token, dead letters skipped. A hook the tenant has since disabled, or a whole
   * configuration removed, skips what is still owed.
   */
  private async sendLifecycle(delivery: DeliveryRow & { url: string }, attemptNumber: number): Promise<void> {
    const tenantId = this.store.tenantId()!;
    const { config } = await this.lifecycle(tenantId);
    const hook = delivery.url.slice(delivery.url.lastIndexOf("/") + 1);
    if (!config || !config.enabled.some((name) => name === hook)) {
      this.finishDelivery(delivery.id, { status: "skipped", lastStatus: null, lastError: "lifecycle hook no longer enabled", now: Date.now() });
      return;
    }
    const record = await this.attemptLifecycle(delivery, await this.lifecycleToken(tenantId), DEFAULT_RETRY_POLICY.timeoutMs);
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
    this.saveBreakerIfChanged(context.url, (breaker) => (decision.kind === "delivered" ? recordSuccess() : recordFailure(breaker, now)));
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
    this.attemptLog.push({
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

  private async attemptLifecycle(delivery: DeliveryRow & { url: string }, token: string | null, timeoutMs: number): Promise<AttemptRecord> {
    const refused = (error: string): AttemptRecord => ({
      outcome: { kind: "network_error", error, beforeSend: true },
      startedAt: Date.now(),
      durationMs: 0,
      statusCode: null,
      error,
      responseExcerpt: null,
    });
    const guard = this.checkUrl(delivery.url);
    if (!guard.ok) return refused(`Refused by the SSRF guard: ${guard.message}`);
    if (token === null) return refused("The lifecycle hook token is missing; save the lifecycle hooks again");
    return attempt(await buildLifecycleRequest(delivery, token, Date.now()), timeoutMs);
  }

  /**
   * One attempt, through the SSRF guard. An IMS or OAUTH2 callback that answers 401 gets one retry with a
   * freshly fetched token (the cached one may have been revoked early).
   */
  private async attemptDelivery(delivery: Pick<DeliveryRow, "id" | "body" | "content_type">, subscription: Subscription, timeoutMs: number): Promise<AttemptRecord> {
    const guard = this.checkUrl(subscription.callbackUrl);
    if (!guard.ok) {
      return {
        outcome: { kind: "network_error", error: guard.reason, beforeSend: true },
        startedAt: Date.now(),
        durationMs: 0,
        statusCode: null,
        error: `Refused by the SSRF guard: ${guard.message}`,
        responseExcerpt: null,
      };
    }
    const credentials = this.credentials ?? new OutboundCredentials(this.env, subscription.tenantId);
    try {
      const record = await attempt(await buildOutboundRequest(delivery, subscription, credentials, Date.now()), timeoutMs);
      if (!authenticatesWithToken(subscription) || record.statusCode !== 401) return record;
      forgetCallbackToken(subscription);
      return await attempt(await buildOutboundRequest(delivery, subscription, credentials, Date.now()), timeoutMs);
    } catch (error) {
      // Building the request failed (e.g. the IMS login or OAuth2 token endpoint refused): nothing reached the callback.
      const message = error instanceof Error ? error.message : String(error);
      return { outcome: { kind: "network_error", error: message, beforeSend: true }, startedAt: Date.now(), durationMs: 0, statusCode: null, error: message, responseExcerpt: null };
    }
  }

  private async disable(subscription: Subscription, reason: string): Promise<void> {
    await disableSubscription(this.db, subscription.tenantId, subscription.id, reason);
    this.subscriptionCache = null;
  }

  /** Starts flushing the attempt log without waiting for it; the drain awaits `attemptLogFlushes` before it ends. */
  private flushAttemptLogInBackground(): void {
    const flush = this.flushAttemptLog();
    this.attemptLogFlushes = this.attemptLogFlushes.then(() => flush);
  }

  private async flushAttemptLog(): Promise<void> {
    const rows = this.attemptLog;
    if (rows.length === 0) return;
    this.attemptLog = [];
    try {
      await this.db.batch([this.db.insert(deliveryAttempts).values(rows.slice(0, 1)), ...chunk(rows.slice(1), 8).map((part) => this.db.insert(deliveryAttempts).values(part))]);
    } catch (error) {
      logLine("error", "attempt_log_failed", { rows: rows.length, error: String(error) });
    }
  }
}

/** D1 binds at most 100 parameters per statement: 11 columns a row means at most 9 rows per insert. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
