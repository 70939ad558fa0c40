/** Worker entry: HTTP (the Hono app), the delivery queue consumer, and the cron (sweeper and retention). */
import type { Bindings } from "./runtime/env";
import { app } from "./app";
import type { DeliveryNudge } from "./delivery/nudge";
import { consumeDeliveryNudges } from "./delivery/queue-consumer";
import { sweep } from "./delivery/sweeper";
import { logLine } from "./runtime/log";
import { pruneExpired } from "./admin/retention-job";

export { TenantDelivery } from "./delivery/tenant-delivery";

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeDeliveryNudges(batch, env),
  // One line per pass with its wall time (bench:scale reads them: the cost of a sweep and of pruning).
  scheduled: async (_controller, env, ctx) => {
    const sweepStarted = Date.now();
    ctx.waitUntil(
      sweep(env).then(
        (nudged) => logLine("info", "sweep_done", { tenants: nudged, durationMs: Date.now() - sweepStarted }),
        (error: unknown) => logLine("error", "sweep_failed", { error: String(error) }),
      ),
    );
    const pruneStarted = Date.now();
    ctx.waitUntil(
      pruneExpired(env).then(
        (report) =>
          logLine("info", "retention_pruned", { tenants: report.tenants, ...report.deleted, signInFailures: report.signInFailures, revokedTokens: report.revokedTokens, durationMs: Date.now() - pruneStarted }),
        (error: unknown) => logLine("error", "retention_failed", { error: String(error) }),
      ),
    );
  },
} satisfies ExportedHandler<Bindings, DeliveryNudge>;
