/**
 * API keys: the tenant's keys (list, create, revoke, or revoke with every key it created) through
 * /api/v1/api-keys. A created key is rendered once, in the POST's own response (201), never in a URL. Revoking
 * the key this session signed in with ends it.
 */
import { Hono, type Context } from "hono";
import { deleteCookie } from "hono/cookie";
import type { PortalEnv } from "../portal-env";
import { portalPath, redirectWith, renderPage } from "../layout";
import type { ApiError } from "../api-client";
import { SESSION_COOKIE } from "../session";
import { CreateKeyForm, KeyList, NewKey, type ApiKeyItem, type CreatedKey, type KeyForm } from "./api-keys/views";

const ACTIVE = "/api-keys";


async function renderKeys(c: Context<PortalEnv>, options: { form?: KeyForm; error?: ApiError; created?: CreatedKey; status?: 201 | 400 | 403 } = {}) {
  const list = await c.get("api").get<{ items: ApiKeyItem[] }>("/api/v1/api-keys");
  const body = (
    <>
      {options.created ? <NewKey created={options.created} listUrl={portalPath(c, ACTIVE)} /> : null}
      {list.ok ? null : <p role="alert" class="flash error">{`${list.error.message} (${list.error.code})`}</p>}
      <h2>Keys</h2>
      <KeyList c={c} keys={list.ok ? list.body.items : []} />
      <h2>Create an API key</h2>
      <CreateKeyForm c={c} form={options.form ?? { name: "", scopes: ["api"] }} error={options.error} />
    </>
  );
  return renderPage(c, { title: "API keys", active: ACTIVE, body, status: options.status ?? 200 });
}

export const apiKeysPage = new Hono<PortalEnv>()
  .get("/api-keys", (c) => renderKeys(c))
  .post("/api-keys", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const name = typeof form.name === "string" ? form.name : "";
    const scopes = [form.scopes ?? []].flat().filter((scope): scope is string => typeof scope === "string");
    const created = await c.get("api").send<CreatedKey>("POST", "/api/v1/api-keys", { name, scopes });
    if (!created.ok) return renderKeys(c, { form: { name, scopes }, error: created.error, status: created.status === 403 ? 403 : 400 });
    return renderKeys(c, { created: created.body, status: 201 });
  })
  .post("/api-keys/:id/revoke", async (c) => {
    const id = c.req.param("id");
    const cascade = (await c.req.parseBody()).cascade === "true";
    const revoked = await c.get("api").send("DELETE", `/api/v1/api-keys/${encodeURIComponent(id)}${cascade ? "?cascade=true" : ""}`);
    if (!revoked.ok) return redirectWith(c, ACTIVE, { error: `${revoked.error.message} (${revoked.error.code})` });
    const session = c.get("session");
    if (session.knd === "api_key" && session.sub === id) {
      // The session's own credential is gone: the session cannot go on, so say why on the sign-in page.
      deleteCookie(c, SESSION_COOKIE, { path: portalPath(c) });
      return c.redirect(`${portalPath(c, "/login")}?notice=${encodeURIComponent("You revoked the API key this session signed in with. Sign in with another key.")}`, 303);
    }
    return redirectWith(c, ACTIVE, { notice: cascade ? "API key revoked, with every key it created." : "API key revoked." });
  });
