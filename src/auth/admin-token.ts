/** Operator authentication for /admin/v1/*: `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { timingSafeEqualStrings } from "../runtime/crypto";

export const adminToken = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const valid = match !== null && (await timingSafeEqualStrings(match[1]!, c.get("config").ADMIN_TOKEN));
    if (!valid) {
      throw new AppError("UNAUTHORIZED", "Admin token is missing or wrong", undefined, {
        "WWW-Authenticate": 'Bearer realm="hookgate-admin"',
      });
    }
    await next();
  });
