/**
 * The service_accounts table: an email and a PBKDF2 password hash per account, one live account per email and
 * tenant. Revoking keeps the row (audit) and frees the email. A caller's `alongside` rows (its audit row) commit
 * in the same D1 batch as the change.
 */

/** Rows that belong to a change of one account, written in its batch. */
export type AccountAlongside = (accountId: string) => BatchItem<"sqlite">[];
import { and, asc, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { serviceAccounts, type ServiceAccount } from "../db/schema";
import { AppError } from "../runtime/errors";
import { newId } from "../runtime/crypto";
import { hashPassword } from "./passwords";

export async function createServiceAccount(
  db: Database,
  tenantId: string,
  input: { email: string; password: string; scopes: string[]; createdBy: string },
  alongside: AccountAlongside = () => [],
): Promise<ServiceAccount> {
  const existing = await db
    .select({ id: serviceAccounts.id })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.tenantId, tenantId), eq(serviceAccounts.email, input.email), isNull(serviceAccounts.revokedAt)))
    .get();
  if (existing) throw new AppError("CONFLICT", `Service account '${input.email}' already exists`);
  const password = await hashPassword(input.password);
  const id = newId("sa");
  const insert = db
    .insert(serviceAccounts)
    .values({
      id,
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
  const [[account]] = await db.batch([insert, ...alongside(id)]);
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

/** False when the tenant has no live account with that id (then `alongside` rows guarded by changes() write nothing). */
export async function revokeServiceAccount(db: Database, tenantId: string, id: string, alongside: AccountAlongside = () => []): Promise<boolean> {
  const revoke = db
    .update(serviceAccounts)
    .set({ revokedAt: Date.now() })
    .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt)))
    .returning();
  const [[revoked]] = await db.batch([revoke, ...alongside(id)]);
  return revoked !== undefined;
}
