/**
 * TenantDelivery: one Durable Object per tenant (idFromName(tenantId)), the single writer of that tenant's
 * outbound state. It reads committed events after its cursor from D1 in seq order. Fan-out to subscriptions
 * and the delivery streams arrive with the delivery-engine issue (#6); until then pump() advances the
 * cursor so the sweeper and the API can see delivery progress.
 */
import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, gt } from "drizzle-orm";
import type { Bindings } from "../env";
import { database } from "../db/client";
import { deliveryCursors, events } from "../db/schema";

const PAGE_SIZE = 100;

export interface PumpResult {
  cursor: number;
  read: number;
}

export class TenantDelivery extends DurableObject<Bindings> {
  private cursor(): number {
    const row = this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM cursor WHERE id = 1").toArray()[0];
    return row?.value ?? 0;
  }

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)");
  }

  /** Reads every event past the cursor, in seq order, and advances the cursor. Safe to call repeatedly. */
  async pump(tenantId: string): Promise<PumpResult> {
    const db = database(this.env.DB);
    let read = 0;
    for (;;) {
      const batch = await db
        .select({ seq: events.seq })
        .from(events)
        .where(and(eq(events.tenantId, tenantId), gt(events.seq, this.cursor())))
        .orderBy(asc(events.seq))
        .limit(PAGE_SIZE)
        .all();
      const last = batch[batch.length - 1];
      if (!last) break;
      this.ctx.storage.sql.exec(
        "INSERT INTO cursor (id, value) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value",
        last.seq,
      );
      read += batch.length;
      if (batch.length < PAGE_SIZE) break;
    }
    const cursor = this.cursor();
    await db
      .insert(deliveryCursors)
      .values({ tenantId, seq: cursor, updatedAt: Date.now() })
      .onConflictDoUpdate({ target: deliveryCursors.tenantId, set: { seq: cursor, updatedAt: Date.now() } });
    return { cursor, read };
  }

  async getCursor(): Promise<number> {
    return this.cursor();
  }
}
