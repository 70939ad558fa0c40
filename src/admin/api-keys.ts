/**
 * Operator API for a tenant's API keys. The plaintext key is returned once, by create; only its SHA-256
 * hash is kept (D1 row + KV lookup entry). Revoking marks the row and removes the KV entry. The key logic is
 * shared with the tenant's own key routes (src/api-keys/).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { AppError } from "../runtime/errors";
import { apiKeyView, createApiKey, createApiKeyBody, createdApiKey, listApiKeys, revokeApiKey } from "../api-keys/api-key-store";
import { findTenantBySlug } from "./tenants";

export { scopesSchema } from "../api-keys/api-key-store";

const createKey = createRoute({
  method: "post",
  path: "/tenants/{slug}/api-keys",
  middleware: [jsonBody()] as const,
  request: {
    params: z.object({ slug: z.string() }),
    body: { required: true, content: { "application/json": { schema: createApiKeyBody } } },
  },
  responses: {
    201: { description: "Created; `key` is shown only here", content: { "application/json": { schema: createdApiKey } } },
    ...errors,
  },
});

const listKeys = createRoute({
  method: "get",
  path: "/tenants/{slug}/api-keys",
  request: { params: z.object({ slug: z.string() }) },
  responses: {
    200: { description: "Keys, without secrets", content: { "application/json": { schema: z.object({ items: z.array(apiKeyView) }) } } },
    401: errors[401],
    404: errors[404],
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/tenants/{slug}/api-keys/{id}",
  request: { params: z.object({ slug: z.string(), id: z.string() }) },
  responses: { 204: { description: "Revoked" }, 401: errors[401], 404: errors[404] },
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
