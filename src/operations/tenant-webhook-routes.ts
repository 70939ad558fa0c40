/** The tenant's own operational webhook: `/api/v1/operational-webhook` and its secret routes, scope `api`. */
import { authenticate } from "../auth/authenticate";
import { actorOf } from "../audit/actor";
import { operationalWebhookRoutes } from "./webhook-routes";

export const tenantOperationalWebhookRoutes = operationalWebhookRoutes({
  path: "/api/v1/operational-webhook",
  operationPrefix: "tenant",
  auth: (revealsSecret) => [authenticate({ scope: "api", revealsSecret })],
  ownerOf: (c) => c.get("tenant").id,
  actorOf: (c) => actorOf(c.get("principal")),
  whose: "the tenant's",
});
