/** The Hono environment of portal routes: the app's, plus the signed-in session and its API client. */
import type { AppEnv, AppVariables } from "../http/app-env";
import type { SessionClaims } from "./session";
import type { PortalApi } from "./api-client";

export interface PortalVariables extends AppVariables {
  session: SessionClaims;
  /** The tenant API, called in process as the signed-in user. */
  api: PortalApi;
  /** URL prefix of this portal: "" on the tenant's host, "/t/{slug}" on the path form. */
  base: string;
}

export interface PortalEnv {
  Bindings: AppEnv["Bindings"];
  Variables: PortalVariables;
}
