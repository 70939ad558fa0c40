/**
 * Tenant API for provisioning destinations (seed 000 "Create a Provisioning Destination"): each one gets a
 * `plugin_id` and the three HR webhook URLs (adduser, modifyuser, deleteuser) to paste into the HR system.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors, isoTime } from "../../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../../http/route-schemas";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import type { AppEnv } from "../../http/app-env";
import { provisioningTypes, type ProvisioningDestination } from "../../db/schema";
import { tenantBaseUrl } from "../../tenancy/tenant-url";
import { actorOf } from "../../audit/actor";
import { createDestination, deleteDestination, findDestination, listDestinations } from "./destination-store";

export const HR_ACTIONS = ["adduser", "modifyuser", "deleteuser"] as const;
export type HrAction = (typeof HR_ACTIONS)[number];

export const hrWebhookPath = (pluginId: string, action: HrAction): string =>
  `/v5.0/mgmt/api/v1.0/webhooks/provisioning/${pluginId}/${action}`;

const destinationView = z
  .object({
    plugin_id: z.string(),
    name: z.string(),
    type: z.enum(provisioningTypes),
    form: z.string(),
    createdAt: z.string(),
    webhooks: z.object({ adduser: z.string(), modifyuser: z.string(), deleteuser: z.string() }),
  })
  .openapi("ProvisioningDestination");

export type DestinationView = z.infer<typeof destinationView>;

function toView(c: Context<AppEnv>, destination: ProvisioningDestination): DestinationView {
  const origin = tenantBaseUrl(c);
  const url = (action: HrAction) => origin + hrWebhookPath(destination.id, action);
  return {
    plugin_id: destination.id,
    name: destination.name,
    type: destination.type,
    form: destination.form,
    createdAt: isoTime(destination.createdAt),
    webhooks: { adduser: url("adduser"), modifyuser: url("modifyuser"), deleteuser: url("deleteuser") },
  };
}

const auth = () => [authenticate({ scope: "api" })];
const idParam = z.object({ plugin_id: z.string().min(1).max(64) });

const create = createRoute({
  method: "post",
  path: "/api/v1/provisioning-destinations",
  operationId: "createProvisioningDestination",
  summary: "Create a provisioning destination",
  middleware: [...auth(), jsonBody()],
  request: { body: jsonRequestBody(z.object({ name: z.string().trim().min(1).max(100), type: z.enum(provisioningTypes) })) },
  responses: { 201: jsonResponse(destinationView, "Created"), ...errors },
});

const list = createRoute({
  method: "get",
  path: "/api/v1/provisioning-destinations",
  operationId: "listProvisioningDestinations",
  summary: "List live provisioning destinations",
  middleware: auth(),
  responses: { 200: jsonResponse(itemsOf(destinationView), "Live destinations"), ...errorResponses(401, 403) },
});

const getOne = createRoute({
  method: "get",
  path: "/api/v1/provisioning-destinations/{plugin_id}",
  operationId: "getProvisioningDestination",
  summary: "Read a provisioning destination",
  middleware: auth(),
  request: { params: idParam },
  responses: { 200: jsonResponse(destinationView, "The destination"), ...errorResponses(401, 403, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/api/v1/provisioning-destinations/{plugin_id}",
  operationId: "deleteProvisioningDestination",
  summary: "Delete a provisioning destination",
  middleware: auth(),
  request: { params: idParam },
  responses: { 204: { description: "Deleted; its webhook URLs answer 404 from now on" }, ...errorResponses(401, 403, 404) },
});

export const provisioningDestinationRoutes = newRouter()
  .openapi(create, async (c) => c.json(toView(c, await createDestination(c.get("db"), c.get("tenant").id, c.req.valid("json"), actorOf(c.get("principal")))), 201))
  .openapi(list, async (c) => {
    const destinations = await listDestinations(c.get("db"), c.get("tenant").id);
    return c.json({ items: destinations.map((destination) => toView(c, destination)) }, 200);
  })
  .openapi(getOne, async (c) => c.json(toView(c, await findDestination(c.get("db"), c.get("tenant").id, c.req.valid("param").plugin_id)), 200))
  .openapi(remove, async (c) => {
    await deleteDestination(c.get("db"), c.get("tenant").id, c.req.valid("param").plugin_id, actorOf(c.get("principal")));
    return c.body(null, 204);
  });
