/**
 * The D1 port of one tenant's delivery engine: the events after its cursor (read through records/), the
 * tenant's subscriptions and lifecycle hook configuration (cached until the engine forgets them), the mirror
 * of its cursor in `delivery_cursors` (which the sweeper reads) and the attempt log in `delivery_attempts`.
 */
import type { Bindings } from "../runtime/env";
import { database, type Database } from "../db/client";
import { deliveryAttempts, deliveryCursors, type LifecycleHooks, type StoredEvent, type Subscription } from "../db/schema";
import { eventsAfter, newestEventSeq } from "../records/event-feed";
import { disableSubscription, listAllSubscriptions } from "../subscriptions/subscription-store";
import { findLifecycleConfig, lifecycleTarget } from "../lifecycle/config-store";
import { logLine } from "../runtime/log";

export type AttemptLogRow = typeof deliveryAttempts.$inferInsert;

export class ControlPlane {
  private subscriptionCache: Map<string, Subscription> | null = null;
  /** The tenant's lifecycle hook configuration (undefined: not loaded since the last forget) and its opened token. */
  private lifecycleCache: { config: LifecycleHooks | null; token: Promise<string | null> | null } | undefined;
  private attemptLog: AttemptLogRow[] = [];
  /** Attempt-log flushes under way; a drain waits for them before it ends, not before its next send. */
  private attemptLogFlushes: Promise<void> = Promise.resolve();

  constructor(private readonly env: Bindings) {}

  private get db(): Database {
    return database(this.env.DB);
  }

  /** Drops the cached subscriptions and lifecycle configuration: the next read loads them again. */
  forget(): void {
    this.subscriptionCache = null;
    this.lifecycleCache = undefined;
  }

  forgetSubscriptions(): void {
    this.subscriptionCache = null;
  }

  eventsAfter(tenantId: string, seq: number, limit: number): Promise<StoredEvent[]> {
    return eventsAfter(this.db, tenantId, seq, limit);
  }

  newestEventSeq(tenantId: string): Promise<number> {
    return newestEventSeq(this.db, tenantId);
  }

  /** The tenant's subscriptions by id, disabled ones included. */
  async subscriptions(tenantId: string): Promise<Map<string, Subscription>> {
    if (!this.subscriptionCache) {
      const rows = await listAllSubscriptions(this.db, tenantId);
      this.subscriptionCache = new Map(rows.map((row) => [row.id, row]));
    }
    return this.subscriptionCache;
  }

  async disable(subscription: Subscription, reason: string): Promise<void> {
    await disableSubscription(this.db, subscription.tenantId, subscription.id, reason);
    this.subscriptionCache = null;
  }

  private async lifecycle(tenantId: string): Promise<{ config: LifecycleHooks | null; token: Promise<string | null> | null }> {
    if (!this.lifecycleCache) {
      const config = await findLifecycleConfig(this.db, tenantId);
      this.lifecycleCache = { config, token: null };
    }
    return this.lifecycleCache;
  }

  async lifecycleConfig(tenantId: string): Promise<LifecycleHooks | null> {
    return (await this.lifecycle(tenantId)).config;
  }

  /** The tenant's lifecycle token, opened once per drain; null when there is no configuration or no token. */
  async lifecycleToken(tenantId: string): Promise<string | null> {
    const cache = await this.lifecycle(tenantId);
    if (!cache.config) return null;
    const config = cache.config;
    cache.token ??= lifecycleTarget(this.env, config).then((target) => target?.token ?? null);
    return cache.token;
  }

  /** Mirrors the engine's cursor into D1, where the sweeper compares it with the tenant's newest event. */
  async saveCursor(tenantId: string, cursor: number): Promise<void> {
    await this.db
      .insert(deliveryCursors)
      .values({ tenantId, seq: cursor, updatedAt: Date.now() })
      .onConflictDoUpdate({ target: deliveryCursors.tenantId, set: { seq: cursor, updatedAt: Date.now() } });
  }

  /** Queues one attempt for the log; flushAttemptLogInBackground() writes what is queued. */
  logAttempt(row: AttemptLogRow): void {
    this.attemptLog.push(row);
  }

  get queuedAttempts(): number {
    return this.attemptLog.length;
  }

  /** Starts flushing the attempt log without waiting for it; attemptLogFlushed() waits for every flush started. */
  flushAttemptLogInBackground(): void {
    const flush = this.flushAttemptLog();
    this.attemptLogFlushes = this.attemptLogFlushes.then(() => flush);
  }

  attemptLogFlushed(): Promise<void> {
    return this.attemptLogFlushes;
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
