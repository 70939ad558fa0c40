/**
 * The engine's OperationsPort in production: the tenant's and the platform's operational webhooks read from the
 * control plane once per drain, their secrets opened from KV at send time, and the event log written to the
 * tenant's shard (the signed attempts themselves are DeliveryAttempts.attemptOperational).
 */
import type { Bindings } from "../runtime/env";
import { database } from "../db/client";
import { shardDatabase } from "../db/shards";
import { PLATFORM_OWNER, type OperationalWebhook } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import { findTenantById } from "../tenancy/tenant-store";
import { findOperationalWebhook, signingSecretsOf } from "../operations/operational-webhook-store";
import { recordOperationalEvents, type OperationalEvent } from "../operations/operational-event-store";
import type { OperationalTarget, OperationalTargets, OperationsPort } from "./engine-ports";
import type { OperationalOwner } from "./operational-signals";

const targetOf = (row: OperationalWebhook | null): OperationalTarget | null => (row ? { url: row.url, events: row.events } : null);

export class OperationsBindings implements OperationsPort {
  constructor(private readonly env: Bindings) {}

  private get db() {
    return database(this.env.DB);
  }

  private ownerId = (tenantId: string, owner: OperationalOwner): string => (owner === "platform" ? PLATFORM_OWNER : tenantId);

  async targets(tenantId: string): Promise<OperationalTargets> {
    const [tenant, own, platform] = await Promise.all([findTenantById(this.db, tenantId), findOperationalWebhook(this.db, tenantId), findOperationalWebhook(this.db, PLATFORM_OWNER)]);
    return { tenantSlug: tenant?.slug ?? tenantId, tenant: targetOf(own), platform: targetOf(platform) };
  }

  async secrets(tenantId: string, owner: OperationalOwner): Promise<string[]> {
    const webhook = await findOperationalWebhook(this.db, this.ownerId(tenantId, owner));
    return webhook ? signingSecretsOf(secretStore(this.env), webhook, Date.now()) : [];
  }

  async record(events: readonly OperationalEvent[]): Promise<void> {
    const first = events[0];
    if (!first) return;
    const tenant = await findTenantById(this.db, first.tenantId);
    await recordOperationalEvents(shardDatabase(this.env, tenant?.shard ?? 0), events);
  }
}
