/**
 * The inbound log: outcome and error code of every vendor request, never credentials or bodies. An
 * authenticated request gets its own inbound_requests row; a route that commits a record puts its accepted row
 * in its own commit batch (acceptedLogRow: one D1 write instead of two), otherwise the middleware writes it
 * after the response. A request that never authenticated (rejected junk, mostly) is counted instead: one row
 * per tenant, source, status, code and minute, upserted with `count + 1`, so junk does not grow D1.
 */
import { createMiddleware } from "hono/factory";
import { and, between, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { inboundRequests, type InboundRequest } from "../db/schema";
import { logLine } from "../runtime/log";
import { sha256Hex } from "../runtime/crypto";
import { deleteTallied, oldestRows, type PruneBatch, type Tally } from "../db/prune";
import type { Context } from "hono";
import type { SQLRecordId } from "../records/commit-change";

const ACCEPTED_STATUS = 201;
/** Unauthenticated requests of one tenant, source, status and code share a row per this much time. */
const ANONYMOUS_ROW_WINDOW_MS = 60_000;
/** How the id of a row of unauthenticated requests begins (a request's own row has its request id, a UUID). */
export const ANONYMOUS_ROW_PREFIX = "anon_";

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
    const write = c.get("inboundAuthenticated") ? c.get("data").insert(inboundRequests).values(row).run() : countAnonymous(c.get("data"), row);
    c.executionCtx.waitUntil(
      write.catch((failure: unknown) => {
        logLine("error", "inbound_log_failed", { requestId: row.id, error: String(failure) });
      }),
    );
  });

/** The row an unauthenticated request is counted in: the same id for its tenant, source, status, code and minute. */
async function anonymousRowId(row: Omit<InboundRequest, "count">): Promise<string> {
  const minute = Math.floor(row.receivedAt / ANONYMOUS_ROW_WINDOW_MS);
  const hash = await sha256Hex(JSON.stringify([row.tenantId, row.source, row.status, row.code, minute]));
  return `${ANONYMOUS_ROW_PREFIX}${hash.slice(0, 32)}`;
}

/**
 * Counts an unauthenticated request in its row, in one atomic upsert (parallel requests each add one): the
 * row keeps the first request's method, path and cause, and the latest request's time.
 */
async function countAnonymous(db: Database, row: Omit<InboundRequest, "count">): Promise<unknown> {
  return db
    .insert(inboundRequests)
    .values({ ...row, id: await anonymousRowId(row), recordId: null, count: 1 })
    .onConflictDoUpdate({
      target: inboundRequests.id,
      set: { count: sql`${inboundRequests.count} + 1`, receivedAt: sql`max(${inboundRequests.receivedAt}, excluded.received_at)` },
    })
    .run();
}

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

/**
 * Deletes up to `limit` of the tenant's log rows received before `before` (retention), oldest first; `tally`
 * keeps what they counted (per source and status, as inboundCountsBySourceAndStatus counts) in the same batch.
 */
export function pruneInboundLog(db: Database, batch: PruneBatch, tally: Tally): Promise<number> {
  const rows = oldestRows(inboundRequests, { tenant: inboundRequests.tenantId, time: inboundRequests.receivedAt }, batch);
  const counts = (selected: SQL) =>
    sql`SELECT json_object('source', ${inboundRequests.source}, 'status', ${inboundRequests.status}) AS labels, ${inboundRequests.count} AS n FROM ${inboundRequests} WHERE ${selected}`;
  return deleteTallied(db, inboundRequests, rows, { counts, into: tally });
}

/**
 * How many vendor requests the tenant's log (what retention has kept) holds per source and status; a query for
 * a D1 batch. An anonymous row stands for `count` requests, so rows are summed by their count.
 */
export function inboundCountsBySourceAndStatus(db: Database, tenantId: string) {
  return db
    .select({ source: inboundRequests.source, status: inboundRequests.status, count: sql<number>`SUM(${inboundRequests.count})` })
    .from(inboundRequests)
    .where(eq(inboundRequests.tenantId, tenantId))
    .groupBy(inboundRequests.source, inboundRequests.status);
}
