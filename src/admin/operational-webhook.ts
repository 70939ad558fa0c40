/**
 * The operator's platform-wide operational webhook (`/admin/v1/operational-webhook`): it receives every tenant's
 * operational events, each with the tenant's slug. Same body and secret routes as a tenant's own.
 */
import { PLATFORM_OWNER } from "../db/schema";
import { ADMIN_ACTOR } from "../audit/actor";
import { operationalWebhookRoutes } from "../operations/webhook-routes";

export const platformOperationalWebhookRoutes = operationalWebhookRoutes({
  path: "/operational-webhook",
  operationPrefix: "admin",
  auth: () => [],
  ownerOf: () => PLATFORM_OWNER,
  actorOf: () => ADMIN_ACTOR,
  whose: "the platform-wide",
});
