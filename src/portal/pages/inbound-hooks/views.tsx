/**
 * The inbound hook pages' markup: the list, the new-hook page (preset picker, then the form), and a hook's page
 * (receiving URL, edit form whose Preview dry-runs the template as typed, delete). Handlers in ../inbound-hooks.tsx fetch and render these.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import type { ApiError } from "../../api-client";
import { CsrfField, portalPath } from "../../layout";
import { ActionButton, CopyField, DataTable, FormError } from "../../components";
import { AUTH_LABELS, HookFields, prettyJson, type HookForm, type HookView, type PresetView } from "./form";

export interface DryRunResult {
  eventId: string | null;
  items: { fields: Record<string, unknown>; syncKey: { name: string; value: string } | null }[];
}

export type Preview = { ok: true; result: DryRunResult } | { ok: false; error: ApiError };

export function HookList(props: { c: Context<PortalEnv>; hooks: HookView[]; presets: PresetView[] }) {
  const { c, hooks } = props;
  const presetName = (id: string) => props.presets.find((preset) => preset.id === id)?.name ?? id;
  return (
    <>
      <p class="actions">
        <a class="button primary" href={portalPath(c, "/inbound-hooks/new")}>New inbound hook</a>
      </p>
      <DataTable caption="Inbound hooks" headers={["Name", "Preset", "Authentication", "Maps to", "Receiving URL"]} rows={hooks.length} empty="No inbound hooks yet.">
        {hooks.map((hook) => (
          <tr>
            <td><a href={portalPath(c, `/inbound-hooks/${hook.id}`)}>{hook.name}</a></td>
            <td>{presetName(hook.preset)}</td>
            <td>{AUTH_LABELS[hook.auth.kind]}</td>
            <td>{hook.event} <code>{hook.form}</code></td>
            <td>
              {/* The column header already says what this is; the label stays for screen readers. */}
              <div class="copy-row">
                <label for={`url-${hook.id}`} class="sr-only">{`Receiving URL of ${hook.name}`}</label>
                <input id={`url-${hook.id}`} type="text" readonly value={hook.url} />
                <button type="button" data-copy={`url-${hook.id}`}>Copy</button>
              </div>
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

/** The GET form that reloads the new-hook page pre-filled from another preset. */
export function PresetPicker(props: { c: Context<PortalEnv>; presets: PresetView[]; chosen: string }) {
  return (
    <form method="get" action={portalPath(props.c, "/inbound-hooks/new")} class="filters">
      <div>
        <label for="preset-picker">Preset</label>
        <select id="preset-picker" name="preset" aria-describedby="preset-descriptions">
          {props.presets.map((preset) => (
            <option value={preset.id} selected={preset.id === props.chosen}>{`${preset.name} — ${preset.auth.description}`}</option>
          ))}
        </select>
      </div>
      <button type="submit">Use preset</button>
    </form>
  );
}

export function NewHookBody(props: { c: Context<PortalEnv>; presets: PresetView[]; preset: PresetView; form: HookForm; error?: ApiError | undefined }) {
  const { c, preset, form } = props;
  return (
    <>
      <PresetPicker c={c} presets={props.presets} chosen={preset.id} />
      <p class="hint" id="preset-descriptions">
        {preset.name}: {preset.auth.description}. <a href={preset.docs} rel="noreferrer">Vendor documentation</a>
      </p>
      <h2>Settings</h2>
      <FormError error={props.error} />
      <form method="post" action={portalPath(c, "/inbound-hooks")} class="stack">
        <CsrfField token={c.get("session").csrf} />
        <HookFields form={form} editing={false} />
        <div>
          <label for="sample-body">Sample body</label>
          <textarea id="sample-body" name="sample_body" rows={10} spellcheck={false} aria-describedby="sample-body-hint">{form.sampleBody}</textarea>
          <p class="hint" id="sample-body-hint">After creating, the hook's page previews the template over this body.</p>
        </div>
        <p class="actions"><button type="submit" class="primary">Create inbound hook</button></p>
      </form>
    </>
  );
}

function PreviewSection(props: { preview: Preview }) {
  const { preview } = props;
  return (
    <section aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview</h2>
      {preview.ok ? (
        <>
          <p>Vendor event id: <code>{preview.result.eventId ?? "none"}</code> · {preview.result.items.length} record change(s)</p>
          {preview.result.items.map((item, index) => (
            <div>
              <h3>Change {index + 1}{item.syncKey ? ` — matched by ${item.syncKey.name} = ${item.syncKey.value}` : ""}</h3>
              <pre>{prettyJson(item.fields)}</pre>
            </div>
          ))}
        </>
      ) : (
        <div role="alert" class="flash error">
          <p>The template failed: {preview.error.message}</p>
          <p>Code <code>{preview.error.code}</code></p>
        </div>
      )}
    </section>
  );
}

export interface HookPageState {
  hook: HookView;
  form: HookForm;
  presetName: string;
  /** A secret Hookgate just generated: shown this once. */
  secret?: string | undefined;
  error?: ApiError | undefined;
  preview?: Preview | undefined;
}

export function HookBody(props: { c: Context<PortalEnv>; state: HookPageState }) {
  const { c, state } = props;
  const { hook, form } = state;
  const csrf = c.get("session").csrf;
  const path = `/inbound-hooks/${hook.id}`;
  return (
    <>
      {/* Rendered by a post (create, preview, a refused edit): the address bar should still name this hook. */}
      {c.req.method === "POST" ? <div hidden data-canonical-url={portalPath(c, path)}></div> : null}
      <CopyField id="receiving-url" label="Receiving URL" value={hook.url} />
      <p class="hint">Preset {state.presetName} · {AUTH_LABELS[hook.auth.kind]} · updated {hook.updatedAt}</p>
      {state.secret ? (
        <div role="status">
          <CopyField id="hook-new-secret" label="Secret (shown once)" value={state.secret} />
          <p class="hint">Copy it into the vendor now: Hookgate keeps it sealed and never shows it again.</p>
        </div>
      ) : null}
      <h2>Settings</h2>
      <FormError error={state.error} />
      <form method="post" action={portalPath(c, path)} class="stack">
        <CsrfField token={csrf} />
        <HookFields form={form} editing={true} />
        <div>
          <label for="sample-body">Sample body</label>
          <textarea id="sample-body" name="sample_body" rows={10} spellcheck={false} aria-describedby="sample-body-hint">{form.sampleBody}</textarea>
          <p class="hint" id="sample-body-hint">
            Preview renders the template above, saved or not, over this JSON body; nothing is stored. Empty uses the preset's sample.
          </p>
        </div>
        <p class="actions">
          <button type="submit" class="primary">Save inbound hook</button>
          <button type="submit" formaction={portalPath(c, `${path}/preview`)}>Preview</button>
        </p>
      </form>
      {state.preview ? <PreviewSection preview={state.preview} /> : null}
      <h2>Delete</h2>
      <ActionButton action={portalPath(c, `${path}/delete`)} csrf={csrf} label="Delete" danger confirm={`Delete the inbound hook ${hook.name}? Its URL stops accepting deliveries.`} />
    </>
  );
}
