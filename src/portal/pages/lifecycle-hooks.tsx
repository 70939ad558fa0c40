/** Placeholder: Lifecycle hooks (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const lifecycleHooksPage = new Hono<PortalEnv>().get("/lifecycle-hooks", (c) =>
  renderPage(c, { title: "Lifecycle hooks", active: "/lifecycle-hooks", body: <p>Coming soon.</p> }),
);
