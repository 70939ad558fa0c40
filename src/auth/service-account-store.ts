/**
 * The service_accounts table: an email and a PBKDF2 password hash per account, one live account per email and
 * tenant. Revoking keeps the row (audit) and frees the email.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { serviceAccounts, type ServiceAccount } from "../db/schema";
import { AppError } from "../runtime/errors";
import { newId } from "../runtime/crypto";
import { hashPassword } from "./passwords";

export async function createServiceAccount(
  db: Database,
  tenantId: string,
  input: { email: string; password: string; scopes: string[]; createdBy: string },
): Promise<ServiceAccount> {
  const existing = await db
    .select({ id: serviceAccounts.id })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.email, input.email), isNull(serviceAccounts.revokedAt)))
    .get();
  if (existing) throw new AppError("CONFLICT", `Service account '${input.email}' already exists`);
  const password = await hashPassword(input.password);
  const [account] = await db
    .insert(serviceAccounts)
    .values({
      id: newId("sa"),
      tenantId,
      email: input.email,
      passwordHash: password.hash,
      salt: password.salt,
      iterations: password.iterations,
      scopes: input.scopes,
      createdAt: Date.now(),
      createdBy: input.createdBy,
    })
    .returning();
  return account!;
}

/** The tenant's live account with that email, if any (what a password sign-in checks against). */
export const findLiveServiceAccount = (db: Database, tenantId: string, email: string): Promise<ServiceAccount | undefined> =>
  db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.email, email), isNull(serviceAccounts.revokedAt)))
    .get();

export const listServiceAccounts = (db: Database, tenantId: string): Promise<ServiceAccount[]> =>
  db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt)))
    .orderBy(asc(serviceAccounts.createdAt))
    .all();

/** False when the tenant has no live account with that id. */
export async function revokeServiceAccount(db: Database, tenantId: string, id: string): Promise<boolean> {
  const [revoked] = await db
    .update(serviceAccounts)
    .set({ revokedAt: Date.now() })
    .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt)))
    .returning();
  return revoked !== undefined;
}
