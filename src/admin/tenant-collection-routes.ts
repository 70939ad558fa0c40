/**
 * The operator routes of something a tenant holds several of (API keys, service accounts), at
 * /tenants/{slug}/<collection>: create one, list them, delete one (with the collection's own query options, if
 * any). Declared once so every collection answers with the same statuses, parameters and shapes; each
 * collection names its own operations, so the ids stay unique in the admin document.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { tenantItemParams, tenantParams } from "./tenants";

export function tenantCollectionRoutes<Body extends z.ZodType, Created extends z.ZodType, View extends z.ZodType, RemoveQuery extends z.ZodObject = z.ZodObject<{}>>(
  collection: string,
  schemas: { body: Body; created: Created; view: View; removeQuery?: RemoveQuery },
  descriptions: { created: string; list: string; deleted: string },
  operations: Record<"create" | "list" | "remove", { operationId: string; summary: string }>,
) {
  return {
    create: createRoute({
      ...operations.create,
      method: "post",
      path: `/tenants/{slug}/${collection}`,
      middleware: [jsonBody()] as const,
      request: { params: tenantParams, body: jsonRequestBody(schemas.body) },
      responses: { 201: jsonResponse(schemas.created, descriptions.created), ...errors },
    }),
    list: createRoute({
      ...operations.list,
      method: "get",
      path: `/tenants/{slug}/${collection}`,
      request: { params: tenantParams },
      responses: { 200: jsonResponse(itemsOf(schemas.view), descriptions.list), ...errorResponses(401, 404) },
    }),
    remove: createRoute({
      ...operations.remove,
      method: "delete",
      path: `/tenants/{slug}/${collection}/{id}`,
      request: { params: tenantItemParams, query: (schemas.removeQuery ?? z.object({})) as RemoveQuery },
      responses: { 204: { description: descriptions.deleted }, ...errorResponses(400, 401, 404) },
    }),
  };
}
