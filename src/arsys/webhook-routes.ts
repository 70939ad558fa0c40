/**
 * AR System compatible webhook registration API (seed 003): `/api/arsys/v1.0/webhook`, the AR face of
 * subscriptions. POST → 201 with `Location` and an empty body; GET one / list; PUT → 204; DELETE → 204.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import type { AppEnv } from "../http/app-env";
import { secretStore } from "../secrets/secret-store";
import { tenantBaseUrl } from "../tenancy/tenant-url";
import { subscriptionSettingsFrom, webhookRegistrationSchema } from "./webhook-body";
import { createSubscription, deleteSubscription, findSubscription, listSubscriptions, updateSubscription } from "../subscriptions/subscription-store";
import { toWebhookPage, toWebhookView, webhookView } from "./webhook-view";
import { openDeliveryCount } from "../delivery/open-deliveries";
import { actorOf } from "../audit/actor";
import { requireDefinedFields } from "../subscriptions/condition-fields";

const BASE = "/api/arsys/v1.0/webhook";
const auth = () => [authenticate({ scope: "api" })];
const idParam = z.object({ id: z.string().regex(/^WBH\d{12}$/, "is not a webhook id") });

const webhookHref = (c: Context<AppEnv>, id: string): string =>
  `${tenantBaseUrl(c)}${BASE}/${id}`;

const create = createRoute({
  method: "post",
  path: BASE,
  operationId: "createWebhook",
  summary: "Register a webhook (AR System)",
  middleware: [...auth(), jsonBody()],
  request: { body: { required: true, content: { "application/json": { schema: webhookRegistrationSchema } } } },
  responses: {
    201: { description: "Registered; the id is in the Location header", headers: z.object({ Location: z.string() }) },
    ...errors,
  },
});

const list = createRoute({
  method: "get",
  path: BASE,
  operationId: "listWebhooks",
  summary: "List the tenant's webhooks (AR System)",
  middleware: auth(),
  request: {
    query: z.object({
      offset: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: "The tenant's webhooks",
      content: {
        "application/json": {
          schema: z.object({
            entries: z.array(webhookView),
            _links: z.object({ self: z.array(z.object({ href: z.string() })), next: z.array(z.object({ href: z.string() })).optional() }),
          }),
        },
      },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const read = createRoute({
  method: "get",
  path: `${BASE}/{id}`,
  operationId: "getWebhook",
  summary: "Read a webhook (AR System)",
  middleware: auth(),
  request: { params: idParam },
  responses: {
    200: { description: "The webhook, secrets masked", content: { "application/json": { schema: webhookView } } },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const replace = createRoute({
  method: "put",
  path: `${BASE}/{id}`,
  operationId: "replaceWebhook",
  summary: "Replace a webhook (AR System)",
  middleware: [...auth(), jsonBody()],
  request: { params: idParam, body: { required: true, content: { "application/json": { schema: webhookRegistrationSchema } } } },
  description:
    "Replaces the webhook. Hookgate's extension fields (`format`, `ordering`, `retry_policy`, `dead_letter_policy`, `transformation`, `rate_limit_per_second`, `disable_after_failing_hours`) left out keep their stored values. " +
    "Changing `ordering` while deliveries are open is 409 and changes nothing.",
  responses: { 204: { description: "Updated" }, ...errors },
});

const remove = createRoute({
  method: "delete",
  path: `${BASE}/{id}`,
  operationId: "deleteWebhook",
  summary: "Delete a webhook (AR System)",
  middleware: auth(),
  request: { params: idParam },
  responses: { 204: { description: "Deleted" }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

export const webhookRoutes = newRouter()
  .openapi(create, async (c) => {
    const settings = subscriptionSettingsFrom(c.req.valid("json"));
    await requireDefinedFields(c.get("data"), c.get("tenant").id, settings);
    const subscription = await createSubscription(c.get("db"), secretStore(c.env), c.get("tenant").id, settings, actorOf(c.get("principal")));
    // Its form is now of interest: commits on it wake delivery from here on (see delivery-interest.ts).
    c.get("deliveryInterestChanged")(c.get("tenant").id);
    return c.body(null, 201, { Location: webhookHref(c, subscription.id) });
  })
  .openapi(list, async (c) => {
    const { offset, limit } = c.req.valid("query");
    const rows = await listSubscriptions(c.get("db"), c.get("tenant").id, offset, limit + 1);
    const listHref = `${tenantBaseUrl(c)}${BASE}`;
    return c.json(toWebhookPage(rows, offset, limit, listHref, (id) => webhookHref(c, id)), 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(toWebhookView(await findSubscription(c.get("db"), c.get("tenant").id, id), webhookHref(c, id)), 200);
  })
  .openapi(replace, async (c) => {
    const tenantId = c.get("tenant").id;
    const settings = subscriptionSettingsFrom(c.req.valid("json"));
    await requireDefinedFields(c.get("data"), tenantId, settings);
    const ports = { openDeliveries: (subscriptionId: string) => openDeliveryCount(c.env, tenantId, subscriptionId) };
    await updateSubscription(c.get("db"), secretStore(c.env), tenantId, c.req.valid("param").id, settings, ports, actorOf(c.get("principal")));
    // Saving may enable it again (or clear a 410 disable): its held deliveries go now, not at the next event.
    c.get("wakeDelivery")(tenantId);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const tenantId = c.get("tenant").id;
    await deleteSubscription(c.get("db"), secretStore(c.env), tenantId, c.req.valid("param").id, actorOf(c.get("principal")));
    // Deliveries it still held (disabled, or after a 410) are skipped now, not at the tenant's next event.
    c.get("wakeDelivery")(tenantId);
    return c.body(null, 204);
  });
