/** Placeholder: Dead letters (being written). */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { renderPage } from "../layout";

export const deadLettersPage = new Hono<PortalEnv>().get("/dead-letters", (c) =>
  renderPage(c, { title: "Dead letters", active: "/dead-letters", body: <p>Coming soon.</p> }),
);
