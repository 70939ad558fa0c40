/**
 * Operator API for a tenant's service accounts (email + password, PBKDF2-hashed; the password is never
 * returned). Creating or deleting one is logged in the tenant's audit log with the operator (`admin`) as actor.
 */
import { z } from "@hono/zod-openapi";
import { newRouter, isoTime, isoTimeOrNull } from "../http/openapi-app";
import { AppError } from "../runtime/errors";
import type { Database } from "../db/client";
import type { ServiceAccount } from "../db/schema";
import { createServiceAccount, listServiceAccounts, revokeServiceAccount } from "../auth/service-account-store";
import { ADMIN_ACTOR, actorFromCreatedBy, actorView, createdByOf } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { CHANGED } from "../audit/changes";
import { findTenantBySlug } from "../tenancy/tenant-store";
import { tenantCollectionRoutes } from "./tenant-collection-routes";
import { scopesSchema } from "./api-keys";

const serviceAccountView = z
  .object({
    id: z.string(),
    email: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    createdBy: actorView.nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ServiceAccount");

const toView = (account: ServiceAccount): z.infer<typeof serviceAccountView> => ({
  id: account.id,
  email: account.email,
  scopes: account.scopes,
  createdAt: isoTime(account.createdAt),
  createdBy: actorFromCreatedBy(account.createdBy),
  lastUsedAt: isoTimeOrNull(account.lastUsedAt),
});

const createServiceAccountBody = z.object({
  email: z.email().transform((email) => email.toLowerCase()),
  password: z.string().min(12, "must be at least 12 characters").max(1024),
  scopes: scopesSchema,
});

type NewAccount = z.infer<typeof createServiceAccountBody>;

/** Creates the account (made by the operator) and its audit row in one batch; the password only as "changed". */
function createAccount(db: Database, tenantId: string, input: NewAccount): Promise<ServiceAccount> {
  const changes = { email: input.email, scopes: input.scopes, password: CHANGED };
  return createServiceAccount(db, tenantId, { ...input, createdBy: createdByOf(ADMIN_ACTOR) }, (id) => [
    auditRow(db, tenantId, { actor: ADMIN_ACTOR, action: "service_account.created", targetId: id, changes }),
  ]);
}

/** Deletes the live account and logs it in one batch; false (and no row) when there was none. */
const deleteAccount = (db: Database, tenantId: string, id: string): Promise<boolean> =>
  revokeServiceAccount(db, tenantId, id, (accountId) => [
    auditRow(db, tenantId, { actor: ADMIN_ACTOR, action: "service_account.deleted", targetId: accountId }, { ifChanged: true }),
  ]);

const routes = tenantCollectionRoutes(
  "service-accounts",
  { body: createServiceAccountBody, created: serviceAccountView, view: serviceAccountView },
  { created: "Created", list: "Active service accounts", deleted: "Deleted" },
  {
    create: { operationId: "adminCreateServiceAccount", summary: "Create a service account for a tenant" },
    list: { operationId: "adminListServiceAccounts", summary: "List a tenant's service accounts" },
    remove: { operationId: "adminDeleteServiceAccount", summary: "Delete a tenant's service account" },
  },
);

export const serviceAccountRoutes = newRouter()
  .openapi(routes.create, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json(toView(await createAccount(c.get("db"), tenant.id, c.req.valid("json"))), 201);
  })
  .openapi(routes.list, async (c) => {
    const tenant = await findTenantBySlug(c.get("db"), c.req.valid("param").slug);
    return c.json({ items: (await listServiceAccounts(c.get("db"), tenant.id)).map(toView) }, 200);
  })
  .openapi(routes.remove, async (c) => {
    const { slug, id } = c.req.valid("param");
    const tenant = await findTenantBySlug(c.get("db"), slug);
    if (!(await deleteAccount(c.get("db"), tenant.id, id))) throw new AppError("NOT_FOUND", `No service account '${id}' for tenant '${slug}'`);
    return c.body(null, 204);
  });
