/**
 * The operator's platform-wide operational webhook (`/admin/v1/operational-webhook`): it receives every tenant's
 * operational events, each with the tenant's slug. Same body and secret routes as a tenant's own.
 */
import { PLATFORM_OWNER } from "../db/schema";
import { operationalWebhookRoutes } from "../operations/webhook-routes";

export const platformOperationalWebhookRoutes = operationalWebhookRoutes({
  path: "/operational-webhook",
  operationPrefix: "admin",
  auth: () => [],
  ownerOf: () => PLATFORM_OWNER,
  whose: "the platform-wide",
});
