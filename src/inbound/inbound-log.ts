/**
 * One inbound_requests row per vendor request, accepted or rejected, storing outcome and error code, never
 * credentials or bodies. A route that commits a record puts the accepted row in its own commit batch
 * (acceptedLogRow: one D1 write instead of two); otherwise the middleware writes it after the response.
 */
import { createMiddleware } from "hono/factory";
import { and, between, desc, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { inboundRequests } from "../db/schema";
import { logLine } from "../runtime/log";
import { deleteOldest, type PruneBatch } from "../db/prune";
import type { Context } from "hono";
import type { SQLRecordId } from "../records/commit-change";

const ACCEPTED_STATUS = 201;

/** The accepted (201) log row of this request, for the batch that commits its record; call markLogCommitted after. */
export function acceptedLogRow(c: Context<AppEnv>, recordId: SQLRecordId) {
  const { source, receivedAt } = c.get("inbound");
  return c
    .get("data")
    .insert(inboundRequests)
    .values({
      id: c.get("requestId"),
      tenantId: c.get("tenant").id,
      source,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: ACCEPTED_STATUS,
      code: null,
      error: null,
      recordId,
      durationMs: Date.now() - receivedAt,
      receivedAt,
    });
}

export const markLogCommitted = (c: Context<AppEnv>): void => c.set("inboundLogCommitted", true);

export const logInbound = (source: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const receivedAt = Date.now();
    c.set("inbound", { source, receivedAt });
    await next();
    const error = c.error instanceof AppError ? c.error : c.error ? undefined : null;
    const row = {
      id: c.get("requestId"),
      tenantId: c.get("tenant").id,
      source,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      code: error === undefined ? "INTERNAL" : (error?.code ?? null),
      error: error === undefined ? "Internal error" : (error?.logMessage ?? error?.message ?? null),
      recordId: c.get("recordId") ?? null,
      durationMs: Date.now() - receivedAt,
      receivedAt,
    };
    // Rejections are `warn`, so LOG_LEVEL=warn still shows every refused vendor request.
    logLine(row.status >= 400 ? "warn" : "info", "inbound_request", {
      requestId: row.id,
      tenantId: row.tenantId,
      source,
      route: `${row.method} ${row.path}`,
      status: row.status,
      code: row.code,
      durationMs: row.durationMs,
    });
    if (c.get("inboundLogCommitted") && c.res.status === ACCEPTED_STATUS) return;
    c.executionCtx.waitUntil(
      c.get("data").insert(inboundRequests).values(row).run().catch((failure: unknown) => {
        logLine("error", "inbound_log_failed", { requestId: row.id, error: String(failure) });
      }),
    );
  });

/** `4xx` → 400..499, `404` → 404..404. */
function statusRange(status: string): [number, number] {
  const low = Number(status.replace(/x/g, "0"));
  return [low, Number(status.replace(/x/g, "9"))];
}

/** A page of the tenant's log, newest first, optionally before a time and filtered by source and status class. */
export function listInboundRequests(
  db: Database,
  tenantId: string,
  filter: { limit: number; before?: number; source?: string; status?: string },
) {
  return db
    .select()
    .from(inboundRequests)
    .where(
      and(
        eq(inboundRequests.tenantId, tenantId),
        filter.before === undefined ? undefined : lt(inboundRequests.receivedAt, filter.before),
        filter.source === undefined ? undefined : eq(inboundRequests.source, filter.source),
        filter.status === undefined ? undefined : between(inboundRequests.status, ...statusRange(filter.status)),
      ),
    )
    // rowid breaks ties between requests logged in the same millisecond, newest first.
    .orderBy(desc(inboundRequests.receivedAt), desc(sql`rowid`))
    .limit(filter.limit)
    .all();
}

/** Deletes up to `limit` of the tenant's log rows received before `before` (retention), oldest first. */
export function pruneInboundLog(db: Database, batch: PruneBatch): Promise<number> {
  return deleteOldest(db, inboundRequests, { tenant: inboundRequests.tenantId, time: inboundRequests.receivedAt }, batch);
}
