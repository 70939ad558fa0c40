/**
 * Operator API for a tenant's API keys. The plaintext key is returned once, by create; only its SHA-256
 * hash is kept (D1 row + KV lookup entry). Revoking marks the row and removes the KV entry.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { newRouter, errors, isoTime, isoTimeOrNull } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { AppError } from "../errors";
import { apiKeys, type ApiKey } from "../db/schema";
import { newId } from "../auth/crypto";
import { deleteApiKeyLookup, generateApiKey, putApiKeyLookup } from "../auth/api-keys";
import { scopes } from "../auth/principal";
import { apiKeyCache } from "../auth/authenticate";
import { findTenantBySlug } from "./tenants";

const apiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const toView = (key: ApiKey): z.infer<typeof apiKeyView> => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  createdAt: isoTime(key.createdAt),
  lastUsedAt: isoTimeOrNull(key.lastUsedAt),
  revokedAt: isoTimeOrNull(key.revokedAt),
});

export const scopesSchema = z
  .array(z.enum(scopes))
  .min(1)
  .transform((list) => [...new Set(list)])
  .default([...scopes]);

const createKey = createRoute({
  method: "post",
  path: "/tenants/{slug}/api-keys",
  middleware: [jsonBody()] as const,
  request: {
    params: z.object({ slug: z.string() }),
    body: {
      required: true,
      content: {
        "application/json": { schema: z.object({ name: z.string().trim().min(1).max(100), scopes: scopesSchema }) },
      },
    },
  },
  responses: {
    201: {
      description: "Created; `key` is shown only here",
      content: {
        "application/json": {
          schema: z.object({
            id: z.string(),
            name: z.string(),
            key: z.string(),
            prefix: z.string(),
            scopes: z.array(z.string()),
            createdAt: z.string(),
          }),
        },
      },
    },
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
    const db = c.get("db");
    const tenant = await findTenantBySlug(db, c.req.valid("param").slug);
    const body = c.req.valid("json");
    const generated = await generateApiKey();
    const id = newId("key");
    const now = Date.now();
    await db.insert(apiKeys).values({
      id,
      tenantId: tenant.id,
      name: body.name,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes: body.scopes,
      createdAt: now,
    });
    await putApiKeyLookup(c.env.SECRETS, generated.hash, { tenantId: tenant.id, keyId: id, scopes: body.scopes });
    return c.json(
      { id, name: body.name, key: generated.key, prefix: generated.prefix, scopes: body.scopes, createdAt: isoTime(now) },
      201,
    );
  })
  .openapi(listKeys, async (c) => {
    const db = c.get("db");
    const tenant = await findTenantBySlug(db, c.req.valid("param").slug);
    const rows = await db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenant.id)).orderBy(asc(apiKeys.createdAt)).all();
    return c.json({ items: rows.map(toView) }, 200);
  })
  .openapi(revokeKey, async (c) => {
    const db = c.get("db");
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(db, slug);
    const [revoked] = await db
      .update(apiKeys)
      .set({ revokedAt: Date.now() })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenant.id), isNull(apiKeys.revokedAt)))
      .returning();
    if (!revoked) throw new AppError("NOT_FOUND", `No active API key '${id}' for tenant '${slug}'`);
    await deleteApiKeyLookup(c.env.SECRETS, revoked.hash);
    apiKeyCache.delete(revoked.hash);
    return c.body(null, 204);
  });
