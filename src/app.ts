/**
 * Builds the Hono app. Middleware order: request context (request id, config, db) -> routes.
 * Admin routes answer on any host; tenant routes resolve their tenant from the Host or a /t/{tenant}/ prefix.
 */
import { newRouter } from "./http/openapi-app";
import { requestContext } from "./http/request-context";
import { renderError, renderNotFound } from "./http/render-error";
import { adminToken } from "./auth/admin-token";
import { tenantRoutes } from "./admin/tenants";
import { apiKeyRoutes } from "./admin/api-keys";
import { serviceAccountRoutes } from "./admin/service-accounts";
import { resealSecretRoutes } from "./admin/reseal-secrets";
import { adminMetricsRoutes } from "./admin/metrics";
import { platformOperationalWebhookRoutes } from "./admin/operational-webhook";
import { buildTenantApi } from "./tenant-api";
import { openApiRoutes } from "./openapi/routes";
import { portalRoutes } from "./portal/router";
import { deliveryWakeUp } from "./delivery/nudge";
import { deliveryErasure } from "./delivery/erasure-port";
import { userErasure } from "./lifecycle/user-erasure";

export function buildAdminApi() {
  const admin = newRouter();
  admin.use("*", adminToken());
  return admin.route("/", tenantRoutes).route("/", apiKeyRoutes).route("/", serviceAccountRoutes).route("/", resealSecretRoutes).route("/", adminMetricsRoutes).route("/", platformOperationalWebhookRoutes);
}

export function buildApp() {
  const app = newRouter();
  app.use("*", requestContext());
  app.use("*", deliveryWakeUp());
  app.use("*", deliveryErasure());
  app.use("*", userErasure());
  app.onError(renderError);
  app.notFound(renderNotFound);

  app.get("/healthz", (c) => c.json({ status: "ok" }, 200));

  const admin = buildAdminApi();
  app.route("/admin/v1", admin);

  const tenantApi = buildTenantApi();
  // Public API documents and reference, on any host; before the tenant routes so no tenant is resolved.
  app.route("/", openApiRoutes({ tenantApi, adminApi: admin }));
  // The portal calls the tenant API in process, through this same app (so every middleware runs).
  const portal = portalRoutes((request, env, ctx) => app.fetch(request, env, ctx));
  app.route("/t/:tenant", portal);
  app.route("/", portal);
  app.route("/t/:tenant", tenantApi);
  app.route("/", tenantApi);
  return app;
}

export const app = buildApp();
