/** Placeholder: Subscriptions (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const subscriptionsPage = new Hono<PortalEnv>().get("/subscriptions", (c) =>
  renderPage(c, { title: "Subscriptions", active: "/subscriptions", body: <p>Coming soon.</p> }),
);
