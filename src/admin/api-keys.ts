/**
 * Operator API for a tenant's API keys. The plaintext key is returned once, by create; only its SHA-256
 * hash is kept (D1 row + KV lookup entry). Revoking marks the row and removes the KV entry; `?cascade=true`
 * also revokes every key the key minted. The key logic is shared with the tenant's own key routes
 * (src/api-keys/); the audit log names the operator as `admin`.
 */
import { newRouter } from "../http/openapi-app";
import { AppError } from "../runtime/errors";
import { ADMIN_ACTOR } from "../audit/actor";
import { apiKeyView, createApiKey, createApiKeyBody, createdApiKey, listApiKeys, revokeApiKey, revokeQuery } from "../api-keys/api-key-store";
import { findTenantBySlug } from "../tenancy/tenant-store";
import { tenantCollectionRoutes } from "./tenant-collection-routes";

export { scopesSchema } from "../api-keys/api-key-store";

const routes = tenantCollectionRoutes(
  "api-keys",
  { body: createApiKeyBody, created: createdApiKey, view: apiKeyView, removeQuery: revokeQuery },
  { created: "Created; `key` is shown only here", list: "Keys, without secrets", deleted: "Revoked (with `cascade`, with every live key it minted)" },
  {
    create: { operationId: "adminCreateApiKey", summary: "Create an API key for a tenant" },
    list: { operationId: "adminListApiKeys", summary: "List a tenant's API keys" },
    remove: { operationId: "adminRevokeApiKey", summary: "Revoke a tenant's API key" },
  },
);

export const apiKeyRoutes = newRouter()
  .openapi(routes.create, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json(await createApiKey(c.get("db"), c.env.SECRETS, tenant.id, c.req.valid("json"), ADMIN_ACTOR), 201);
  })
  .openapi(routes.list, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json({ items: await listApiKeys(c.get("db"), tenant.id) }, 200);
  })
  .openapi(routes.remove, async (c) => {
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(c.get("db"), slug);
    const revoked = await revokeApiKey(c.get("db"), c.env.SECRETS, tenant.id, id, ADMIN_ACTOR, c.req.valid("query").cascade);
    if (revoked.length === 0) throw new AppError("NOT_FOUND", `No active API key '${id}' for tenant '${slug}' (nor any live key it created)`);
    return c.body(null, 204);
  });
