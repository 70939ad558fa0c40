/**
 * Tenant API for provisioning destinations (seed 000 "Create a Provisioning Destination"): each one gets a
 * `plugin_id` and the three HR webhook URLs (adduser, modifyuser, deleteuser) to paste into the HR system.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, asc, eq, isNull } from "drizzle-orm";
import { newRouter, errors, isoTime } from "../../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../../http/route-schemas";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import { AppError } from "../../runtime/errors";
import type { AppEnv } from "../../http/app-env";
import type { Database } from "../../db/client";
import { provisioningDestinations, provisioningTypes, type ProvisioningDestination } from "../../db/schema";
import { randomBytes, toHex } from "../../runtime/crypto";
import { tenantOrigin } from "../../tenancy/tenant-url";

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
  const origin = tenantOrigin(c, c.get("tenant").slug);
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

/** A live destination of this tenant, or 404: another tenant's plugin_id is indistinguishable from none. */
export async function findDestination(db: Database, tenantId: string, pluginId: string): Promise<ProvisioningDestination> {
  const destination = await db
    .select()
    .from(provisioningDestinations)
    .where(
      and(
        eq(provisioningDestinations.id, pluginId),
        eq(provisioningDestinations.tenantId, tenantId),
        isNull(provisioningDestinations.deletedAt),
      ),
    )
    .get();
  if (!destination) throw new AppError("NOT_FOUND", `No provisioning destination '${pluginId}'`);
  return destination;
}

const auth = () => [authenticate({ scope: "api" })];
const idParam = z.object({ plugin_id: z.string().min(1).max(64) });

const createDestination = createRoute({
  method: "post",
  path: "/api/v1/provisioning-destinations",
  middleware: [...auth(), jsonBody()],
  request: { body: jsonRequestBody(z.object({ name: z.string().trim().min(1).max(100), type: z.enum(provisioningTypes) })) },
  responses: { 201: jsonResponse(destinationView, "Created"), ...errors },
});

const listDestinations = createRoute({
  method: "get",
  path: "/api/v1/provisioning-destinations",
  middleware: auth(),
  responses: { 200: jsonResponse(itemsOf(destinationView), "Live destinations"), ...errorResponses(401, 403) },
});

const getDestination = createRoute({
  method: "get",
  path: "/api/v1/provisioning-destinations/{plugin_id}",
  middleware: auth(),
  request: { params: idParam },
  responses: { 200: jsonResponse(destinationView, "The destination"), ...errorResponses(401, 403, 404) },
});

const deleteDestination = createRoute({
  method: "delete",
  path: "/api/v1/provisioning-destinations/{plugin_id}",
  middleware: auth(),
  request: { params: idParam },
  responses: { 204: { description: "Deleted; its webhook URLs answer 404 from now on" }, ...errorResponses(401, 403, 404) },
});

export const provisioningDestinationRoutes = newRouter()
  .openapi(createDestination, async (c) => {
    const body = c.req.valid("json");
    const [created] = await c
      .get("db")
      .insert(provisioningDestinations)
      .values({ id: toHex(randomBytes(12)), tenantId: c.get("tenant").id, name: body.name, type: body.type, createdAt: Date.now() })
      .returning();
    return c.json(toView(c, created!), 201);
  })
  .openapi(listDestinations, async (c) => {
    const rows = await c
      .get("db")
      .select()
      .from(provisioningDestinations)
      .where(and(eq(provisioningDestinations.tenantId, c.get("tenant").id), isNull(provisioningDestinations.deletedAt)))
      .orderBy(asc(provisioningDestinations.createdAt))
      .all();
    return c.json({ items: rows.map((row) => toView(c, row)) }, 200);
  })
  .openapi(getDestination, async (c) => {
    return c.json(toView(c, await findDestination(c.get("db"), c.get("tenant").id, c.req.valid("param").plugin_id)), 200);
  })
  .openapi(deleteDestination, async (c) => {
    const db = c.get("db");
    const destination = await findDestination(db, c.get("tenant").id, c.req.valid("param").plugin_id);
    await db.update(provisioningDestinations).set({ deletedAt: Date.now() }).where(eq(provisioningDestinations.id, destination.id));
    return c.body(null, 204);
  });
