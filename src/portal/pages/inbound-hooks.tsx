/** Placeholder: Inbound hooks (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const inboundHooksPage = new Hono<PortalEnv>().get("/inbound-hooks", (c) =>
  renderPage(c, { title: "Inbound hooks", active: "/inbound-hooks", body: <p>Coming soon.</p> }),
);
