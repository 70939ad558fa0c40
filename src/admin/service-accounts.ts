/** Operator API for a tenant's service accounts (email + password, PBKDF2-hashed; the password is never returned). */
import { z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { newRouter, isoTime, isoTimeOrNull } from "../http/openapi-app";
import { AppError } from "../runtime/errors";
import { serviceAccounts, type ServiceAccount } from "../db/schema";
import { newId } from "../runtime/crypto";
import { hashPassword } from "../auth/passwords";
import { findTenantBySlug } from "./tenants";
import { tenantCollectionRoutes } from "./tenant-collection-routes";
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

const createServiceAccountBody = z.object({
  email: z.email().transform((email) => email.toLowerCase()),
  password: z.string().min(12, "must be at least 12 characters").max(1024),
  scopes: scopesSchema,
});

const routes = tenantCollectionRoutes(
  "service-accounts",
  { body: createServiceAccountBody, created: serviceAccountView, view: serviceAccountView },
  { created: "Created", list: "Active service accounts", deleted: "Deleted" },
);

export const serviceAccountRoutes = newRouter()
  .openapi(routes.create, async (c) => {
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
  .openapi(routes.list, async (c) => {
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
  .openapi(routes.remove, async (c) => {
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
