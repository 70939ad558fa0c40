/** Placeholder: Deliveries (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const deliveriesPage = new Hono<PortalEnv>().get("/deliveries", (c) =>
  renderPage(c, { title: "Deliveries", active: "/deliveries", body: <p>Coming soon.</p> }),
);
