/**
 * Markup of the API keys page: the key list (who created each) with its Revoke buttons (and, for a key that
 * minted live keys, one that revokes them with it), the create form, the new key shown once.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import { CsrfField, portalPath } from "../../layout";
import { ActionButton, ActorName, CopyField, DataTable, FormError, StatusBadge, formatTime } from "../../components";
import type { ApiError } from "../../api-client";
import { scopes } from "../../../auth/principal";

export interface ApiKeyItem {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  createdBy: { kind: string; id: string } | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedKey {
  id: string;
  name: string;
  key: string;
  scopes: string[];
}

export interface KeyForm {
  name: string;
  scopes: string[];
}

/** Ids of the keys that created a live key, themselves or in a portal session they signed in to. */
const mintersOf = (keys: ApiKeyItem[]): Set<string> =>
  new Set(keys.filter((key) => !key.revokedAt && (key.createdBy?.kind === "api_key" || key.createdBy?.kind === "portal")).map((key) => key.createdBy!.id));

export function KeyList(props: { c: Context<PortalEnv>; keys: ApiKeyItem[] }) {
  const { c } = props;
  const session = c.get("session");
  const current = (key: ApiKeyItem) => session.knd === "api_key" && session.sub === key.id;
  const minters = mintersOf(props.keys);
  const revokeAction = (key: ApiKeyItem) => portalPath(c, `/api-keys/${encodeURIComponent(key.id)}/revoke`);
  return (
    <DataTable caption="API keys" headers={["Name", "Prefix", "Scopes", "Created", "Created by", "Last used", "Status", "Actions"]} rows={props.keys.length} empty="No API keys.">
      {props.keys.map((key) => (
        <tr>
          <td>
            {key.name}
            {current(key) ? <span class="hint"> (this session)</span> : null}
          </td>
          <td><code>{`${key.prefix}…`}</code></td>
          <td>{key.scopes.join(", ")}</td>
          <td>{formatTime(key.createdAt)}</td>
          <td><ActorName actor={key.createdBy} /></td>
          <td>{formatTime(key.lastUsedAt)}</td>
          <td>{key.revokedAt ? <><StatusBadge status="revoked" /> {formatTime(key.revokedAt)}</> : <StatusBadge status="active" />}</td>
          <td>
            {key.revokedAt ? null : (
              <ActionButton
                action={revokeAction(key)}
                csrf={session.csrf}
                label="Revoke"
                danger
                confirm={
                  current(key)
                    ? `Revoke "${key.name}"? This session signed in with it: you will have to sign in again with another key.`
                    : `Revoke "${key.name}"? Anything using it is refused from now on.`
                }
              />
            )}
            {minters.has(key.id) ? (
              <ActionButton
                action={revokeAction(key)}
                csrf={session.csrf}
                label="Revoke with the keys it created"
                danger
                fields={{ cascade: "true" }}
                confirm={`Revoke "${key.name}" and every live key it created (and the keys those created)? Use this when the key leaked.`}
              />
            ) : null}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function CreateKeyForm(props: { c: Context<PortalEnv>; form: KeyForm; error?: ApiError | undefined }) {
  const { c, form } = props;
  return (
    <form method="post" action={portalPath(c, "/api-keys")} class="stack">
      <CsrfField token={c.get("session").csrf} />
      <FormError error={props.error} />
      <div>
        <label for="key-name">Name</label>
        <input id="key-name" name="name" type="text" required maxlength={100} value={form.name} aria-describedby="key-name-hint" />
        <p class="hint" id="key-name-hint">What uses the key, e.g. "ServiceNow production".</p>
      </div>
      <fieldset>
        <legend>Scopes</legend>
        {scopes.map((scope) => (
          <label for={`key-scope-${scope}`}>
            <input type="checkbox" id={`key-scope-${scope}`} name="scopes" value={scope} checked={form.scopes.includes(scope)} /> {scope}
          </label>
        ))}
        <p class="hint">A key can only get scopes your own sign-in holds.</p>
      </fieldset>
      <div>
        <button type="submit" class="primary">Create API key</button>
      </div>
    </form>
  );
}

/** `listUrl` becomes the page's address (portal.js), so a reload is a GET: no second key, and this one is gone. */
export function NewKey(props: { created: CreatedKey; listUrl: string }) {
  return (
    <section aria-labelledby="new-key-heading" data-canonical-url={props.listUrl}>
      <h2 id="new-key-heading">{`Key "${props.created.name}" created`}</h2>
      <CopyField id="new-api-key" label="New API key" value={props.created.key} />
      <p class="flash notice" role="status">
        Copy this key now and store it safely: it won't be shown again. Scopes: {props.created.scopes.join(", ")}.
      </p>
    </section>
  );
}
