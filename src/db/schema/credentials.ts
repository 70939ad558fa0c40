/**
 * Tenant credentials: API keys (stored as SHA-256 hashes; the plaintext is shown once) and
 * service accounts (PBKDF2-SHA256 password hashes). Scopes restrict which inbound families a credential may call.
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn, createdAtColumn } from "./columns";
import { tenants } from "./tenants";

/** Who a credential belongs to. */
const credentialOwnerColumns = () => ({
  id: idColumn(),
  tenantId: tenantIdColumn().references(() => tenants.id),
});

/** What a credential grants, and when it was made, last used and revoked (kept after revocation for audit). */
const credentialUseColumns = () => ({
  scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
  createdAt: createdAtColumn(),
  /** Who made it: `api_key:{id}`, `service_account:{id}`, `portal:{email}` or `admin` (null before the audit log). */
  createdBy: text("created_by"),
  lastUsedAt: integer("last_used_at"),
  revokedAt: integer("revoked_at"),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    ...credentialOwnerColumns(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull().unique(),
    ...credentialUseColumns(),
  },
  (table) => [index("api_keys_tenant").on(table.tenantId)],
);

export const serviceAccounts = sqliteTable(
  "service_accounts",
  {
    ...credentialOwnerColumns(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    salt: text("salt").notNull(),
    iterations: integer("iterations").notNull(),
    ...credentialUseColumns(),
  },
  // Unique among live accounts only: a deleted account stays for audit and its email can be reused.
  (table) => [uniqueIndex("service_accounts_tenant_email").on(table.tenantId, table.email).where(sql`revoked_at IS NULL`)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
export type ServiceAccount = typeof serviceAccounts.$inferSelect;
