/** Placeholder: Inbound log (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const inboundRequestsPage = new Hono<PortalEnv>().get("/inbound-requests", (c) =>
  renderPage(c, { title: "Inbound log", active: "/inbound-requests", body: <p>Coming soon.</p> }),
);
