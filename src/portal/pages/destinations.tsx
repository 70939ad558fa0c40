/** Placeholder: Destinations (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const destinationsPage = new Hono<PortalEnv>().get("/destinations", (c) =>
  renderPage(c, { title: "Destinations", active: "/destinations", body: <p>Coming soon.</p> }),
);
