/**
 * Every tenant-scoped route, in one router that app.ts mounts twice: at `/` (tenant from the Host) and at
 * `/t/:tenant` (tenant from the path). resolveTenant runs before any route's own middleware.
 */
import { newRouter } from "./http/openapi-app";
import { resolveTenant } from "./tenancy/resolve-tenant";
import { createTicketRoutes } from "./inbound/optimalcloud/create-ticket";
import { serviceNowRoutes } from "./inbound/optimalcloud/servicenow-ticket";
import { hrProvisioningRoutes } from "./inbound/optimalcloud/hr-provisioning";
import { recordRoutes } from "./records/routes";
import { inboundRequestRoutes } from "./inbound/inbound-requests-route";
import { provisioningDestinationRoutes } from "./inbound/optimalcloud/provisioning-destinations";
import { jwtRoutes } from "./arsys/jwt-routes";
import { AR_SYSTEM_ROUTES, arErrorFormat } from "./arsys/ar-errors";
import { webhookRoutes } from "./arsys/webhook-routes";
import { entryRoutes } from "./arsys/entry-routes";
import { attachmentRoutes } from "./arsys/attachment-routes";
import { deliveryRoutes } from "./delivery/routes";
import { transformationRoutes } from "./delivery/transformation-routes";
import { inboundHookRoutes } from "./inbound/configurable/routes";
import { lifecycleRoutes } from "./lifecycle/routes";
import { userRoutes } from "./lifecycle/user-routes";
import { statsRoutes } from "./stats/routes";
import { metricsRoutes } from "./stats/metrics-routes";
import { tenantApiKeyRoutes } from "./api-keys/tenant-api-keys";
import { auditLogRoutes } from "./audit/routes";
import { formRoutes } from "./records/form-routes";
import { fieldRoutes } from "./arsys/field-routes";
import { operationalEventRoutes } from "./operations/event-routes";
import { tenantOperationalWebhookRoutes } from "./operations/tenant-webhook-routes";

export const TENANT_PATH_PREFIXES = ["/api/*", "/v5.0/*", "/hooks/*"] as const;

export function buildTenantApi() {
  const router = newRouter();
  // First, so that even a tenant or authentication failure on an AR route answers in AR's format.
  for (const path of AR_SYSTEM_ROUTES) router.use(path, arErrorFormat());
  for (const prefix of TENANT_PATH_PREFIXES) router.use(prefix, resolveTenant());
  return router.route("/", createTicketRoutes)
    .route("/", serviceNowRoutes)
    .route("/", hrProvisioningRoutes).route("/", recordRoutes).route("/", inboundRequestRoutes)
    .route("/", provisioningDestinationRoutes)
    .route("/", jwtRoutes)
    .route("/", webhookRoutes)
    .route("/", entryRoutes)
    .route("/", attachmentRoutes)
    .route("/", formRoutes)
    .route("/", fieldRoutes)
    .route("/", deliveryRoutes)
    .route("/", transformationRoutes)
    .route("/", lifecycleRoutes)
    .route("/", userRoutes)
    .route("/", inboundHookRoutes)
    .route("/", statsRoutes)
    .route("/", metricsRoutes)
    .route("/", tenantApiKeyRoutes)
    .route("/", auditLogRoutes)
    .route("/", operationalEventRoutes)
    .route("/", tenantOperationalWebhookRoutes);
}
