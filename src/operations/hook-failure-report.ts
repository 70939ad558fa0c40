/**
 * A synchronous lifecycle hook that did not answer usably is reported to the tenant's delivery object as
 * `lifecycle_hook.failed`, by RPC after the response (waitUntil): the request is neither delayed nor failed by it.
 */
import { waitUntil } from "cloudflare:workers";
import type { Bindings } from "../runtime/env";
import { logLine } from "../runtime/log";

export function reportHookUnavailable(env: Pick<Bindings, "TENANT_DELIVERY">, tenantId: string, hook: string, message: string): void {
  const signal = { type: "lifecycle_hook.failed" as const, data: { hook, reason: "unavailable", message } };
  const report = (async () => {
    try {
      await env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId)).raiseOperational(tenantId, signal);
    } catch (error) {
      logLine("warn", "operational_report_failed", { tenantId, hook, error: String(error) });
    }
  })();
  try {
    waitUntil(report);
  } catch {
    // Outside a request (code called directly, as tests do): the report still runs, unawaited.
  }
}
