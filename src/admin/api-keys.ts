/**
 * Operator API for a tenant's API keys. The plaintext key is returned once, by create; only its SHA-256
 * hash is kept (D1 row + KV lookup entry). Revoking marks the row and removes the KV entry. The key logic is
 * shared with the tenant's own key routes (src/api-keys/).
 */
import { newRouter } from "../http/openapi-app";
import { AppError } from "../runtime/errors";
import { apiKeyView, createApiKey, createApiKeyBody, createdApiKey, listApiKeys, revokeApiKey } from "../api-keys/api-key-store";
import { findTenantBySlug } from "../tenancy/tenant-store";
import { tenantCollectionRoutes } from "./tenant-collection-routes";

export { scopesSchema } from "../api-keys/api-key-store";

const routes = tenantCollectionRoutes(
  "api-keys",
  { body: createApiKeyBody, created: createdApiKey, view: apiKeyView },
  { created: "Created; `key` is shown only here", list: "Keys, without secrets", deleted: "Revoked" },
);

export const apiKeyRoutes = newRouter()
  .openapi(routes.create, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json(await createApiKey(c.get("db"), c.env.SECRETS, tenant.id, c.req.valid("json")), 201);
  })
  .openapi(routes.list, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json({ items: await listApiKeys(c.get("db"), tenant.id) }, 200);
  })
  .openapi(routes.remove, async (c) => {
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(c.get("db"), slug);
    if (!(await revokeApiKey(c.get("db"), c.env.SECRETS, tenant.id, id))) throw new AppError("NOT_FOUND", `No active API key '${id}' for tenant '${slug}'`);
    return c.body(null, 204);
  });
