/**
 * Middleware: gives every request `c.var.eraseDeliveries(tenantId, seqs)`, which has the tenant's delivery
 * object close what it holds of an erased record's events (TenantEngine.eraseEvents). records/ erases through
 * that port, so it need not know the engine.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";

export const deliveryErasure = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("eraseDeliveries", (tenantId: string, eventSeqs: number[]) =>
      c.env.TENANT_DELIVERY.get(c.env.TENANT_DELIVERY.idFromName(tenantId)).eraseEvents(tenantId, eventSeqs),
    );
    await next();
  });
