/** AR-JWT token ids invalidated by logout, kept until the token would have expired anyway. */
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { tenantIdColumn } from "./columns";

export const revokedTokens = sqliteTable("revoked_tokens", {
  jti: text("jti").primaryKey(),
  tenantId: tenantIdColumn(),
  expiresAt: integer("expires_at").notNull(),
});
