/**
 * The D1 port of one tenant's delivery engine: from the control plane (DB), the tenant's subscriptions,
 * lifecycle hook configuration and status (cached until the engine forgets them); from the tenant's shard, the
 * events after its cursor (read through records/), the mirror of its cursor and next due time in
 * `delivery_cursors` (which the sweeper reads) and the attempt log.
 */
import { readConfig, type Bindings } from "../runtime/env";
import { database, type Database } from "../db/client";
import { shardDatabase } from "../db/shards";
import { deliveryAttempts, deliveryCursors, type LifecycleHooks, type Subscription } from "../db/schema";
import { EVENT_PAGE_BYTES, eventPageAfter, newestEventSeq, type EventPage } from "../records/event-feed";
import { listFormDefinitions } from "../records/form-definitions";
import type { FormDefinition } from "../records/form-fields";
import { findTenantById } from "../tenancy/tenant-store";
import { publicTenantBaseUrl } from "../tenancy/tenant-url";
import type { StoredAttachment, StoredEvent, Tenant } from "../db/schema";
import { attachmentsOfVersion } from "../records/attachment-store";
import { disableSubscription, listAllSubscriptions } from "../subscriptions/subscription-store";
import { findLifecycleConfig, lifecycleTarget } from "../lifecycle/config-store";
import { logLine } from "../runtime/log";
import { secretStore } from "../secrets/secret-store";
import { eraseAttemptExcerpts } from "./attempt-log";

export type AttemptLogRow = typeof deliveryAttempts.$inferInsert;

/** How long a tenant read as active is trusted before D1 is asked again. */
export const ACTIVE_CACHE_MS = 1_000;

export class ControlPlane {
  private subscriptionCache: Map<string, Subscription> | null = null;
  private definitionCache: Promise<ReadonlyMap<string, FormDefinition>> | null = null;
  /** The tenant's lifecycle hook configuration (undefined: not loaded since the last forget) and its opened token. */
  private lifecycleCache: { config: LifecycleHooks | null; token: Promise<string | null> | null } | undefined;
  /** Until when the tenant is known active (0: ask D1). A suspension is never kept, so reactivation shows at once. */
  private activeUntil = 0;
  /** The next due time last written to D1 (undefined: none written by this instance), so an unchanged one is not written again. */
  private savedNextDue: number | null | undefined;
  private attemptLog: AttemptLogRow[] = [];
  /** Attempt-log flushes under way; a drain waits for them before it ends, not before its next send. */
  private attemptLogFlushes: Promise<void> = Promise.resolve();
  private tenantRow: Promise<Tenant | null> | null = null;
  private shard: Promise<Database> | null = null;

  constructor(private readonly env: Bindings) {}

  /** The control plane: tenants, subscriptions, lifecycle hooks. */
  private get db(): Database {
    return database(this.env.DB);
  }

  /**
   * The tenants row, read once per instance for what does not change while the object runs: its shard (moving a
   * tenant restarts its object; README, "Shards") and its slug. A failed read is asked again next time.
   */
  private tenant(tenantId: string): Promise<Tenant | null> {
    this.tenantRow ??= findTenantById(this.db, tenantId).catch((error: unknown) => {
      this.tenantRow = null;
      throw error;
    });
    return this.tenantRow;
  }

  /** The tenant's data plane (its shard: events, the cursor mirror, attempts). A tenant not in the table is on shard 0. */
  private data(tenantId: string): Promise<Database> {
    this.shard ??= this.tenant(tenantId).then(
      (tenant) => shardDatabase(this.env, tenant?.shard ?? 0),
      (error: unknown) => {
        this.shard = null;
        throw error;
      },
    );
    return this.shard;
  }

  /** Where the tenant's records are fetched from, for thin events' `url` (PUBLIC_BASE_URL or the tenant's host). */
  async tenantBaseUrl(tenantId: string): Promise<string> {
    const tenant = await this.tenant(tenantId);
    return publicTenantBaseUrl(readConfig(this.env), tenant?.slug ?? tenantId);
  }

  /** The stored files the event's version of its record names, by field (records/attachment-store.ts). */
  async attachmentsOf(event: StoredEvent): Promise<Map<string, StoredAttachment>> {
    const at = { tenantId: event.tenantId, form: event.form, recordId: event.recordId, version: event.version, data: event.data };
    return attachmentsOfVersion(await this.data(event.tenantId), at);
  }

  /** Drops the cached subscriptions and lifecycle configuration: the next read loads them again. */
  forget(): void {
    this.subscriptionCache = null;
    this.definitionCache = null;
    this.lifecycleCache = undefined;
  }

  forgetSubscriptions(): void {
    this.subscriptionCache = null;
  }

  /**
   * The events after `seq`: at most `limit` and at most `maxBytes` of them (at least one), so a page may be
   * shorter than `limit` with more events behind it; only an empty page says the engine has read them all.
   */
  async eventsAfter(tenantId: string, seq: number, limit: number, maxBytes = EVENT_PAGE_BYTES): Promise<EventPage> {
    return eventPageAfter(await this.data(tenantId), tenantId, seq, limit, maxBytes);
  }

  async newestEventSeq(tenantId: string): Promise<number> {
    return newestEventSeq(await this.data(tenantId), tenantId);
  }

  /** The tenant's form definitions by name key, read once per fan-out (forget() drops them). */
  formDefinitions(tenantId: string): Promise<ReadonlyMap<string, FormDefinition>> {
    this.definitionCache ??= this.data(tenantId).then(
      (db) => listFormDefinitions(db, tenantId),
      (error: unknown) => {
        this.definitionCache = null;
        throw error;
      },
    );
    return this.definitionCache;
  }

  /** The tenant's subscriptions by id, disabled ones included. */
  async subscriptions(tenantId: string): Promise<Map<string, Subscription>> {
    if (!this.subscriptionCache) {
      const rows = await listAllSubscriptions(this.db, tenantId);
      this.subscriptionCache = new Map(rows.map((row) => [row.id, row]));
    }
    return this.subscriptionCache;
  }

  /**
   * Whether the tenant may deliver: false while it is suspended (its deliveries wait, nothing is lost). A tenant
   * not in the tenants table counts as active: only a suspension holds delivery. "Active" is kept for
   * ACTIVE_CACHE_MS, so a busy tenant's drains do not each read D1 for it (a suspension takes effect within that
   * time); "suspended" is never kept.
   */
  async tenantActive(tenantId: string): Promise<boolean> {
    const now = Date.now();
    if (now < this.activeUntil) return true;
    const active = (await findTenantById(this.db, tenantId))?.status !== "suspended";
    this.activeUntil = active ? now + ACTIVE_CACHE_MS : 0;
    return active;
  }

  async disable(subscription: Subscription, reason: string): Promise<void> {
    await disableSubscription(this.db, subscription.tenantId, subscription.id, reason, subscription.updatedAt);
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

  async lifecycleSecret(tenantId: string, ref: string): Promise<string | null> {
    return secretStore(this.env).get(tenantId, ref);
  }

  async discardLifecycleSecret(tenantId: string, ref: string): Promise<void> {
    await secretStore(this.env).delete(tenantId, ref);
  }

  /** Mirrors the engine's cursor into D1, where the sweeper compares it with the tenant's newest event. */
  async saveCursor(tenantId: string, cursor: number): Promise<void> {
    await (await this.data(tenantId))
      .insert(deliveryCursors)
      .values({ tenantId, seq: cursor, updatedAt: Date.now() })
      .onConflictDoUpdate({ target: deliveryCursors.tenantId, set: { seq: cursor, updatedAt: Date.now() } });
  }

  /**
   * Mirrors when the engine's earliest open delivery is due (DeliveryStore.earliestDue(); null: nothing to send)
   * into D1, where the sweeper finds tenants overdue by more than a minute: their alarm was lost. Skips the write
   * when the value is the one this instance wrote last.
   */
  async saveNextDue(tenantId: string, nextDueAt: number | null): Promise<void> {
    if (this.savedNextDue === nextDueAt) return;
    const now = Date.now();
    await (await this.data(tenantId))
      .insert(deliveryCursors)
      // A tenant with no cursor yet gets seq 0, which the sweeper reads as "no cursor": it lags until the object saves one.
      .values({ tenantId, seq: 0, nextDueAt, updatedAt: now })
      .onConflictDoUpdate({ target: deliveryCursors.tenantId, set: { nextDueAt, updatedAt: now } });
    this.savedNextDue = nextDueAt;
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

  /**
   * Erasure: attempts of these events still queued lose their response excerpt before they are written; once
   * every flush under way has landed, the excerpts already in D1 are emptied.
   */
  async eraseAttemptExcerpts(tenantId: string, eventSeqs: readonly number[]): Promise<void> {
    const erased = new Set(eventSeqs);
    this.attemptLog = this.attemptLog.map((row) => (erased.has(row.eventSeq) ? { ...row, responseExcerpt: null } : row));
    await this.attemptLogFlushes;
    await eraseAttemptExcerpts(await this.data(tenantId), tenantId, eventSeqs);
  }

  private async flushAttemptLog(): Promise<void> {
    const rows = this.attemptLog;
    if (rows.length === 0) return;
    this.attemptLog = [];
    try {
      const data = await this.data(rows[0]!.tenantId);
      await data.batch([data.insert(deliveryAttempts).values(rows.slice(0, 1)), ...chunk(rows.slice(1), 8).map((part) => data.insert(deliveryAttempts).values(part))]);
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
