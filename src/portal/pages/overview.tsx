/** Placeholder: Overview (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const overviewPage = new Hono<PortalEnv>().get("/", (c) =>
  renderPage(c, { title: "Overview", active: "", body: <p>Coming soon.</p> }),
);
