/**
 * Failed sign-ins counted per throttle key (tenant + email, or client address) in a fixed window, so password
 * guessing meets 429 after a few tries whichever route it uses (AR-JWT login, Basic on the API, the portal).
 */
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

export const signInFailures = sqliteTable("sign_in_failures", {
  /** `account:{tenantId}:{email}` or `address:{tenantId}:{ip}`. */
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  /** When the window's first failure happened (epoch ms); the window ends 15 minutes later. */
  windowStartedAt: integer("window_started_at").notNull(),
});
