/**
 * Operational events as the engine raises them (operational-signals.ts decides which): each is stored as one
 * delivery per operational webhook that wants it (the tenant's own, the platform's), on that webhook's own
 * stream (ordered, retried with the default policy, never blocking a tenant stream), in the same storage
 * transaction as the outcome that raised it; and added to the tenant's recent operational events (D1).
 * Operational deliveries carry their URL and body like lifecycle deliveries; they are signed at send time.
 */
import { newId } from "../runtime/crypto";
import type { Subscription } from "../db/schema";
import type { OperationalEvent } from "../operations/operational-event-store";
import type { AttemptRecord } from "../outbound/attempt";
import type { DeliveryStore } from "./delivery-store";
import type { HeadRow } from "./delivery-tables";
import type { EnginePorts, OperationalTargets } from "./engine-ports";
import type { StreamHeads } from "./stream-heads";
import type { AttemptTarget, DeliveryUpdate, Judgement } from "./attempt-judgement";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../lifecycle/post-hooks";
import { isOperationalDelivery, OPERATIONAL_STREAMS, ownerOfDelivery, signalsOfAttempt, type OperationalOwner, type RaisedSignal } from "./operational-signals";

const SCHEMA = [
  // Subscriptions with a dead letter since their last success: their next success raises subscription.recovered.
  "CREATE TABLE IF NOT EXISTS ops_unrecovered (subscription_id TEXT PRIMARY KEY)",
  // The last sequence number given to an operational delivery; they count down from -1, below every event seq.
  "CREATE TABLE IF NOT EXISTS ops_seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
];

export class OperationalEmitter {
  private targets: OperationalTargets | null = null;
  private unrecovered: Set<string> | null = null;
  private ready = false;

  constructor(
    private readonly ports: EnginePorts,
    private readonly store: () => DeliveryStore,
    private readonly heads: StreamHeads,
  ) {}

  /**
   * Reads who hears of operational events now (once per drain). A failed read keeps what was read before: it
   * must not stop the tenant's deliveries (events are still recorded; only their webhook deliveries may miss).
   */
  async refresh(tenantId: string): Promise<void> {
    try {
      this.targets = await this.ports.operations.targets(tenantId);
    } catch (error) {
      this.ports.log("warn", "operational_targets_read_failed", { tenantId, error: String(error) });
    }
  }

  /** The storage, after the store's held writes: operational rows go in the same order and transaction. */
  private sql(): SqlStorage {
    this.store().flushHeld();
    const sql = this.ports.storage.sql;
    if (!this.ready) {
      for (const statement of SCHEMA) sql.exec(statement);
      this.ready = true;
    }
    return sql;
  }

  private unrecoveredSet(): Set<string> {
    this.unrecovered ??= new Set(this.sql().exec<{ subscription_id: string }>("SELECT subscription_id FROM ops_unrecovered").toArray().map((row) => row.subscription_id));
    return this.unrecovered;
  }

  /**
   * Applies an attempt's outcome (`apply`: the delivery's new state and its URL's breaker) and stores the
   * operational events it raises, in one storage transaction when it raises any.
   */
  recordOutcome(delivery: HeadRow, attemptNumber: number, update: DeliveryUpdate, breaker: Judgement["breaker"], target: AttemptTarget, apply: () => void): void {
    const operational = isOperationalDelivery(delivery);
    const isSubscription = !operational && delivery.subscription_id !== LIFECYCLE_SUBSCRIPTION_ID;
    const breakerBefore = this.ports.attempts.breakerOf(target.url);
    const deadSinceSuccess = isSubscription && this.unrecoveredSet().has(delivery.subscription_id);
    const raised = signalsOfAttempt({ delivery, attemptNumber, update, breakerBefore, breakerAfter: breaker(breakerBefore), deadSinceSuccess });
    const status = update.status;
    const tracks = isSubscription && ((status === "dead" && !deadSinceSuccess) || (status === "delivered" && deadSinceSuccess));
    if (raised.length === 0 && !tracks) return apply();
    this.ports.storage.transactionSync(() => {
      apply();
      if (tracks && status === "dead") this.markUnrecovered(delivery.subscription_id, true);
      if (tracks && status === "delivered") this.markUnrecovered(delivery.subscription_id, false);
      this.emit(target.tenantId, raised);
    });
  }

  private markUnrecovered(subscriptionId: string, unrecovered: boolean): void {
    const set = this.unrecoveredSet();
    if (unrecovered) this.sql().exec("INSERT OR IGNORE INTO ops_unrecovered (subscription_id) VALUES (?)", subscriptionId);
    else this.sql().exec("DELETE FROM ops_unrecovered WHERE subscription_id = ?", subscriptionId);
    if (unrecovered) set.add(subscriptionId);
    else set.delete(subscriptionId);
  }

  /** Disables a subscription (a 410 Gone, or auto-disable) and raises subscription.disabled with the reason. */
  async disable(subscription: Subscription, reason: string): Promise<void> {
    await this.ports.controlPlane.disable(subscription, reason);
    this.ports.storage.transactionSync(() => this.emit(subscription.tenantId, [{ type: "subscription.disabled", data: { subscriptionId: subscription.id, reason } }]));
  }

  /** Stores the events as deliveries to every webhook that wants them (call inside a storage transaction). */
  emit(tenantId: string, raised: readonly RaisedSignal[]): void {
    if (raised.length === 0) return;
    const now = this.ports.clock.now();
    const events: OperationalEvent[] = raised.map((signal) => ({ id: newId("ope"), tenantId, type: signal.type, occurredAt: now, data: signal.data }));
    const targets = this.targets;
    const planned = [];
    for (const owner of ["tenant", "platform"] as const) {
      const webhook = targets?.[owner];
      if (!targets || !webhook) continue;
      for (const event of events) {
        if (webhook.events !== null && !webhook.events.includes(event.type)) continue;
        const body = JSON.stringify({ type: event.type, timestamp: new Date(now).toISOString(), tenant: targets.tenantSlug, data: event.data });
        planned.push(this.insert(owner, webhook.url, body, now));
      }
    }
    this.heads.noteAppended(planned);
    this.ports.waitUntil(
      this.ports.operations.record(events).catch((error: unknown) => this.ports.log("warn", "operational_event_log_failed", { tenantId, error: String(error) })),
    );
  }

  private insert(owner: OperationalOwner, url: string, body: string, now: number) {
    const sql = this.sql();
    const seq = (sql.exec<{ value: number }>("SELECT value FROM ops_seq WHERE id = 1").toArray()[0]?.value ?? 0) - 1;
    sql.exec("INSERT INTO ops_seq (id, value) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value", seq);
    const streamKey = OPERATIONAL_STREAMS[owner];
    sql.exec(
      `INSERT INTO deliveries (id, subscription_id, stream_key, event_seq, body, content_type, url, status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'application/json', ?, 'pending', ?, ?, ?)`,
      `msg_ops${-seq}_${owner}`,
      streamKey,
      streamKey,
      seq,
      body,
      url,
      now,
      now,
      now,
    );
    return { subscriptionId: streamKey, streamKey, eventSeq: seq, body, contentType: "application/json", url };
  }

  /** Sends one operational delivery, signed with its webhook's current secrets; a removed webhook skips what is owed. */
  async send(
    delivery: HeadRow & { url: string; body: string },
    target: AttemptTarget,
    record: (attempt: AttemptRecord) => unknown,
    finish: (update: DeliveryUpdate) => void,
  ): Promise<void> {
    const secrets = await this.ports.operations.secrets(target.tenantId, ownerOfDelivery(delivery));
    if (secrets.length === 0) return finish({ status: "skipped", lastStatus: null, lastError: "operational webhook removed", now: this.ports.clock.now() });
    record(await this.ports.attempts.attemptOperational(delivery, secrets, target.policy.timeoutMs));
  }
}
