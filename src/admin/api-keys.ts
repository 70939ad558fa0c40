/**
 * Operator API for a tenant's API keys. The plaintext key is returned once, by create; only its SHA-256
 * hash is kept (D1 row + KV lookup entry). Revoking marks the row and removes the KV entry. The key logic is
 * shared with the tenant's own key routes (src/api-keys/).
 */
import { createRoute } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import { AppError } from "../runtime/errors";
import { apiKeyView, createApiKey, createApiKeyBody, createdApiKey, listApiKeys, revokeApiKey } from "../api-keys/api-key-store";
import { findTenantBySlug, tenantItemParams, tenantParams } from "./tenants";

export { scopesSchema } from "../api-keys/api-key-store";

const createKey = createRoute({
  method: "post",
  path: "/tenants/{slug}/api-keys",
  middleware: [jsonBody()] as const,
  request: { params: tenantParams, body: jsonRequestBody(createApiKeyBody) },
  responses: { 201: jsonResponse(createdApiKey, "Created; `key` is shown only here"), ...errors },
});

const listKeys = createRoute({
  method: "get",
  path: "/tenants/{slug}/api-keys",
  request: { params: tenantParams },
  responses: { 200: jsonResponse(itemsOf(apiKeyView), "Keys, without secrets"), ...errorResponses(401, 404) },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/tenants/{slug}/api-keys/{id}",
  request: { params: tenantItemParams },
  responses: { 204: { description: "Revoked" }, ...errorResponses(401, 404) },
});

export const apiKeyRoutes = newRouter()
  .openapi(createKey, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json(await createApiKey(c.get("db"), c.env.SECRETS, tenant.id, c.req.valid("json")), 201);
  })
  .openapi(listKeys, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json({ items: await listApiKeys(c.get("db"), tenant.id) }, 200);
  })
  .openapi(revokeKey, async (c) => {
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(c.get("db"), slug);
    if (!(await revokeApiKey(c.get("db"), c.env.SECRETS, tenant.id, id))) throw new AppError("NOT_FOUND", `No active API key '${id}' for tenant '${slug}'`);
    return c.body(null, 204);
  });
