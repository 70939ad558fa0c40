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
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(
      sweep(env).then((nudged) => {
        if (nudged > 0) logLine("info", "sweeper_nudged", { tenants: nudged });
      }),
    );
    ctx.waitUntil(
      pruneExpired(env).then(
        (report) => logLine("info", "retention_pruned", { tenants: report.tenants, ...report.deleted }),
        (error: unknown) => logLine("error", "retention_failed", { error: String(error) }),
      ),
    );
  },
} satisfies ExportedHandler<Bindings, DeliveryNudge>;
