/** Placeholder: API keys (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const apiKeysPage = new Hono<PortalEnv>().get("/api-keys", (c) =>
  renderPage(c, { title: "API keys", active: "/api-keys", body: <p>Coming soon.</p> }),
);
