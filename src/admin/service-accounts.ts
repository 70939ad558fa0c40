/** Operator API for a tenant's service accounts (email + password, PBKDF2-hashed; the password is never returned). */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { newRouter, errors, isoTime, isoTimeOrNull } from "../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import { AppError } from "../runtime/errors";
import { serviceAccounts, type ServiceAccount } from "../db/schema";
import { newId } from "../runtime/crypto";
import { hashPassword } from "../auth/passwords";
import { findTenantBySlug, tenantItemParams, tenantParams } from "./tenants";
import { scopesSchema } from "./api-keys";

const serviceAccountView = z
  .object({
    id: z.string(),
    email: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ServiceAccount");

const toView = (account: ServiceAccount): z.infer<typeof serviceAccountView> => ({
  id: account.id,
  email: account.email,
  scopes: account.scopes,
  createdAt: isoTime(account.createdAt),
  lastUsedAt: isoTimeOrNull(account.lastUsedAt),
});

const createAccount = createRoute({
  method: "post",
  path: "/tenants/{slug}/service-accounts",
  middleware: [jsonBody()] as const,
  request: {
    params: tenantParams,
    body: jsonRequestBody(
      z.object({
        email: z.email().transform((email) => email.toLowerCase()),
        password: z.string().min(12, "must be at least 12 characters").max(1024),
        scopes: scopesSchema,
      }),
    ),
  },
  responses: { 201: jsonResponse(serviceAccountView, "Created"), ...errors },
});

const listAccounts = createRoute({
  method: "get",
  path: "/tenants/{slug}/service-accounts",
  request: { params: tenantParams },
  responses: { 200: jsonResponse(itemsOf(serviceAccountView), "Active service accounts"), ...errorResponses(401, 404) },
});

const deleteAccount = createRoute({
  method: "delete",
  path: "/tenants/{slug}/service-accounts/{id}",
  request: { params: tenantItemParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404) },
});

export const serviceAccountRoutes = newRouter()
  .openapi(createAccount, async (c) => {
    const db = c.get("db");
    const tenant = await findTenantBySlug(db, c.req.valid("param").slug);
    const body = c.req.valid("json");
    const existing = await db
      .select({ id: serviceAccounts.id })
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.tenantId, tenant.id), eq(serviceAccounts.email, body.email), isNull(serviceAccounts.revokedAt)))
      .get();
    if (existing) throw new AppError("CONFLICT", `Service account '${body.email}' already exists`);
    const password = await hashPassword(body.password);
    const [account] = await db
      .insert(serviceAccounts)
      .values({
        id: newId("sa"),
        tenantId: tenant.id,
        email: body.email,
        passwordHash: password.hash,
        salt: password.salt,
        iterations: password.iterations,
        scopes: body.scopes,
        createdAt: Date.now(),
      })
      .returning();
    return c.json(toView(account!), 201);
  })
  .openapi(listAccounts, async (c) => {
    const db = c.get("db");
    const tenant = await findTenantBySlug(db, c.req.valid("param").slug);
    const rows = await db
      .select()
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.tenantId, tenant.id), isNull(serviceAccounts.revokedAt)))
      .orderBy(asc(serviceAccounts.createdAt))
      .all();
    return c.json({ items: rows.map(toView) }, 200);
  })
  .openapi(deleteAccount, async (c) => {
    const db = c.get("db");
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(db, slug);
    const [deleted] = await db
      .update(serviceAccounts)
      .set({ revokedAt: Date.now() })
      .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.tenantId, tenant.id), isNull(serviceAccounts.revokedAt)))
      .returning();
    if (!deleted) throw new AppError("NOT_FOUND", `No service account '${id}' for tenant '${slug}'`);
    return c.body(null, 204);
  });
