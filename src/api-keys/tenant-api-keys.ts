/**
 * Tenant API for the tenant's own API keys (scope "api"): list (with who created each), create (the plaintext
 * key is answered once) and revoke, optionally with every key the key minted (`?cascade=true`). A caller can
 * only hand out scopes it holds itself; another tenant's key id is simply not found.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter } from "../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import { scopes } from "../auth/principal";
import { actorOf } from "../audit/actor";
import { apiKeyView, createApiKey, createdApiKey, listApiKeys, revokeApiKey, revokeQuery } from "./api-key-store";

const createBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(scopes))
    .min(1)
    .transform((list) => [...new Set(list)])
    .optional()
    .openapi({ description: "Defaults to the caller's own scopes; none beyond them may be granted" }),
});

const list = createRoute({
  method: "get",
  path: "/api/v1/api-keys",
  operationId: "listApiKeys",
  summary: "List the tenant's API keys",
  middleware: [authenticate({ scope: "api" })] as const,
  responses: { 200: jsonResponse(itemsOf(apiKeyView), "The tenant's keys, without secrets"), ...errorResponses(401, 403) },
});

const create = createRoute({
  method: "post",
  path: "/api/v1/api-keys",
  operationId: "createApiKey",
  summary: "Create an API key",
  middleware: [authenticate({ scope: "api" }), jsonBody()] as const,
  request: { body: jsonRequestBody(createBody) },
  responses: { 201: jsonResponse(createdApiKey, "Created; `key` is shown only here"), ...errorResponses(400, 401, 403, 413, 415) },
});

const revoke = createRoute({
  method: "delete",
  path: "/api/v1/api-keys/{id}",
  operationId: "revokeApiKey",
  summary: "Revoke an API key",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: z.object({ id: z.string().min(1).max(200) }), query: revokeQuery },
  responses: { 204: { description: "Revoked (with `cascade`, with every live key it minted)" }, ...errorResponses(400, 401, 403, 404) },
});

export const tenantApiKeyRoutes = newRouter()
  .openapi(list, async (c) => c.json({ items: await listApiKeys(c.get("db"), c.get("tenant").id) }, 200))
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const held = c.get("principal").scopes;
    const granted = body.scopes ?? scopes.filter((scope) => held.includes(scope));
    const beyond = granted.filter((scope) => !held.includes(scope));
    if (beyond.length > 0) throw new AppError("FORBIDDEN", `A key cannot grant scopes its creator does not hold: ${beyond.join(", ")}`);
    return c.json(await createApiKey(c.get("db"), c.env.SECRETS, c.get("tenant").id, { name: body.name, scopes: granted }, actorOf(c.get("principal"))), 201);
  })
  .openapi(revoke, async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await revokeApiKey(c.get("db"), c.env.SECRETS, c.get("tenant").id, id, actorOf(c.get("principal")), c.req.valid("query").cascade);
    if (revoked.length === 0) throw new AppError("NOT_FOUND", `No active API key '${id}' (nor any live key it created)`);
    return c.body(null, 204);
  });
