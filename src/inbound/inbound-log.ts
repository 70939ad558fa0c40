/**
 * Middleware that writes one inbound_requests row per vendor request, accepted or rejected, after the
 * response is decided and off the response path. It stores outcome and error code, never credentials or bodies.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../errors";
import { inboundRequests } from "../db/schema";
import { logLine } from "../log";

export const logInbound = (source: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const receivedAt = Date.now();
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
      error: error === undefined ? "Internal error" : (error?.message ?? null),
      recordId: c.get("recordId") ?? null,
      durationMs: Date.now() - receivedAt,
      receivedAt,
    };
    logLine("info", "inbound_request", { requestId: row.id, tenantId: row.tenantId, source, status: row.status, code: row.code, durationMs: row.durationMs });
    c.executionCtx.waitUntil(
      c.get("db").insert(inboundRequests).values(row).run().catch((failure: unknown) => {
        logLine("error", "inbound_log_failed", { requestId: row.id, error: String(failure) });
      }),
    );
  });
