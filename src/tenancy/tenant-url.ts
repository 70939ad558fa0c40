/** Building absolute URLs that point back at the same tenant the request came in for. */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";

/** `/t/{tenant}` when the request used the path prefix, else "" (the host already names the tenant). */
export const tenantPathPrefix = (c: Context<AppEnv>): string => {
  const fromPath = c.req.param("tenant");
  return fromPath ? `/t/${fromPath}` : "";
};
