/**
 * The inbound hook form: the API's shapes as the portal reads them, the form's values (from a preset, a saved
 * hook or a post), the create/replace body they become, and the fields themselves (settings, authentication
 * for the preset's kind, template editor).
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";

export type AuthKind = "header_secret" | "hmac" | "standard_webhooks";

interface AuthSettings {
  kind: AuthKind;
  headerName?: string;
  algorithm?: string;
  encoding?: string;
  prefix?: string;
}

export interface PresetView {
  id: string;
  name: string;
  docs: string;
  auth: AuthSettings & { description: string };
  event: string;
  form: string;
  template: string;
  syncKeys: string[];
  sample: { headers: Record<string, string>; body: unknown };
}

export interface HookView {
  id: string;
  name: string;
  preset: string;
  event: string;
  form: string;
  template: string;
  syncKeys: string[];
  auth: AuthSettings & { secret: string };
  url: string;
  createdAt: string;
  updatedAt: string;
}

export interface HookForm {
  name: string;
  preset: string;
  authKind: AuthKind;
  headerName: string;
  algorithm: string;
  encoding: string;
  prefix: string;
  secret: string;
  event: string;
  form: string;
  syncKeys: string;
  template: string;
  sampleBody: string;
}

export const EVENTS = ["create", "update", "archive"] as const;
const ALGORITHMS = ["sha1", "sha256", "sha512"] as const;
const ENCODINGS = ["hex", "base64"] as const;

export const AUTH_LABELS: Record<AuthKind, string> = {
  header_secret: "Header secret",
  hmac: "HMAC signature",
  standard_webhooks: "Standard Webhooks",
};

export const prettyJson = (value: unknown): string => JSON.stringify(value, null, 2);

/** What a preset and a saved hook have in common, as the form shows it. */
interface HookSettings {
  name: string;
  preset: string;
  auth: Partial<Pick<HookView["auth"], "headerName" | "algorithm" | "encoding" | "prefix">> & { kind: AuthKind };
  event: string;
  form: string;
  syncKeys: string[];
  template: string;
}

function formFromSettings(settings: HookSettings, sampleBody: string): HookForm {
  return {
    name: settings.name,
    preset: settings.preset,
    authKind: settings.auth.kind,
    headerName: settings.auth.headerName ?? "",
    algorithm: settings.auth.algorithm ?? "sha256",
    encoding: settings.auth.encoding ?? "hex",
    prefix: settings.auth.prefix ?? "",
    // Secrets are never shown again: blank keeps the stored one.
    secret: "",
    event: settings.event,
    form: settings.form,
    syncKeys: settings.syncKeys.join(", "),
    template: settings.template,
    sampleBody,
  };
}

export const formFromPreset = (preset: PresetView): HookForm =>
  formFromSettings({ ...preset, name: "", preset: preset.id }, prettyJson(preset.sample.body));

export const formFromHook = (hook: HookView, sampleBody: string): HookForm => formFromSettings(hook, sampleBody);

export async function formFromRequest(c: Context<PortalEnv>): Promise<HookForm> {
  const body = await c.req.parseBody();
  const text = (name: string): string => {
    const value = body[name];
    return typeof value === "string" ? value : "";
  };
  const kind = text("auth_kind");
  return {
    name: text("name"),
    preset: text("preset"),
    authKind: kind === "hmac" || kind === "standard_webhooks" ? kind : "header_secret",
    headerName: text("header_name"),
    algorithm: text("algorithm"),
    encoding: text("encoding"),
    prefix: text("prefix"),
    secret: text("secret"),
    event: text("event"),
    form: text("form"),
    syncKeys: text("sync_keys"),
    template: text("template"),
    sampleBody: text("sample_body"),
  };
}

/** The API's create/replace body. Blank optional fields are left out, so the preset's defaults apply. */
export function hookInput(form: HookForm): Record<string, unknown> {
  const auth: Record<string, string> = { kind: form.authKind };
  if (form.authKind !== "standard_webhooks" && form.headerName.trim()) auth.headerName = form.headerName.trim();
  if (form.authKind === "hmac") {
    if (form.algorithm) auth.algorithm = form.algorithm;
    if (form.encoding) auth.encoding = form.encoding;
    auth.prefix = form.prefix;
  }
  if (form.secret) auth.secret = form.secret;
  const syncKeys = form.syncKeys.split(/[\s,]+/).filter(Boolean);
  return {
    name: form.name,
    preset: form.preset,
    ...(form.event ? { event: form.event } : {}),
    ...(form.form.trim() ? { form: form.form.trim() } : {}),
    ...(form.template.trim() ? { template: form.template } : {}),
    ...(syncKeys.length > 0 ? { syncKeys } : {}),
    auth,
  };
}

/** A sample body as typed: JSON, or an error message naming the problem. Blank means the preset's own sample. */
export function parseSampleBody(text: string): { ok: true; body: unknown } | { ok: false; message: string } {
  if (!text.trim()) return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `Sample body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function Select(props: { id: string; name: string; label: string; value: string; options: readonly string[] }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name}>
        {props.options.map((option) => <option value={option} selected={option === props.value}>{option}</option>)}
      </select>
    </div>
  );
}

/** The verification settings of the preset's auth kind; a blank secret is generated (create) or kept (edit). */
function AuthFields(props: { form: HookForm; editing: boolean }) {
  const { form } = props;
  return (
    <fieldset>
      <legend>Authentication: {AUTH_LABELS[form.authKind]}</legend>
      <input type="hidden" name="auth_kind" value={form.authKind} />
      {form.authKind !== "standard_webhooks" ? (
        <div>
          <label for="hook-header-name">Header name</label>
          <input id="hook-header-name" name="header_name" type="text" value={form.headerName} autocomplete="off" />
        </div>
      ) : null}
      {form.authKind === "hmac" ? (
        <>
          <Select id="hook-algorithm" name="algorithm" label="HMAC algorithm" value={form.algorithm} options={ALGORITHMS} />
          <Select id="hook-encoding" name="encoding" label="Signature encoding" value={form.encoding} options={ENCODINGS} />
          <div>
            <label for="hook-prefix">Signature prefix</label>
            <input id="hook-prefix" name="prefix" type="text" value={form.prefix} autocomplete="off" aria-describedby="hook-prefix-hint" />
            <p class="hint" id="hook-prefix-hint">Text before the signature in the header, e.g. <code>sha256=</code>; may be empty.</p>
          </div>
        </>
      ) : null}
      <div>
        <label for="hook-secret">Secret</label>
        <input id="hook-secret" name="secret" type="password" value={form.secret} autocomplete="new-password" aria-describedby="hook-secret-hint" />
        <p class="hint" id="hook-secret-hint">
          {props.editing ? "Leave empty to keep the stored secret." : "Leave empty and Hookgate generates one, shown once after saving."}
        </p>
      </div>
    </fieldset>
  );
}

/** Name, mapping, authentication and the template editor; the caller adds the form element and its buttons. */
export function HookFields(props: { form: HookForm; editing: boolean }) {
  const { form } = props;
  return (
    <>
      <input type="hidden" name="preset" value={form.preset} />
      <div>
        <label for="hook-name">Name</label>
        <input id="hook-name" name="name" type="text" value={form.name} required maxlength={100} />
      </div>
      <Select id="hook-event" name="event" label="Event" value={form.event} options={EVENTS} />
      <div>
        <label for="hook-form">Record form</label>
        <input id="hook-form" name="form" type="text" value={form.form} />
      </div>
      <div>
        <label for="hook-sync-keys">Sync keys</label>
        <input id="hook-sync-keys" name="sync_keys" type="text" value={form.syncKeys} aria-describedby="hook-sync-keys-hint" />
        <p class="hint" id="hook-sync-keys-hint">Fields that find the record to change, comma-separated, first match wins.</p>
      </div>
      <AuthFields form={form} editing={props.editing} />
      <div>
        <label for="hook-template">Template</label>
        <textarea id="hook-template" name="template" rows={14} spellcheck={false} aria-describedby="hook-template-hint">{form.template}</textarea>
        <p class="hint" id="hook-template-hint">
          A Jinja template rendering one JSON object of record fields from <code>body</code>, <code>item</code> and <code>headers</code>.
        </p>
      </div>
    </>
  );
}
