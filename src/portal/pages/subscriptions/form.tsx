/**
 * The subscription form: the AR webhook registration (arsys/webhook-body.ts) as labelled fields, the
 * mapping from a stored registration to the form, and from the posted form back to a registration body.
 * The API validates; this file only translates, so the typed values survive a re-render with errors.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import { CsrfField } from "../../layout";
import { FormError } from "../../components";
import type { ApiError } from "../../api-client";
import type { WebhookView } from "../../../arsys/webhook-view";
import { callbackAuthTypes, deadLetterPolicies, entryEvents, orderings, payloadFormats } from "../../../db/schema";
import { MASKED_SECRET } from "../../../secrets/seal";
import { DEFAULT_DISABLE_AFTER_FAILING_HOURS, MAX_DISABLE_AFTER_FAILING_HOURS, MAX_RATE_LIMIT_PER_SECOND } from "../../../subscriptions/subscription-settings";
import { DRY_RUN_RESULT_ID, TransformationField } from "./transformation";

export interface SubscriptionForm {
  description: string;
  formName: string;
  events: string[];
  callbackUrl: string;
  condition: string;
  authType: string;
  username: string;
  /** Typed secrets only; on edit a blank one means "keep the stored value". */
  password: string;
  accessKey: string;
  accessSecretKey: string;
  tenantId: string;
  authBaseUrl: string;
  authAccessTokenPath: string;
  authRefreshTokenPath: string;
  authHeaderTokenName: string;
  token: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  format: string;
  ordering: string;
  deadLetterPolicy: string;
  payloadFields: string;
  sendUnchangedFields: boolean;
  sendAttachmentAsReference: boolean;
  customJson: string;
  retryDelaysMs: string;
  maxAttempts: string;
  timeoutMs: string;
  /** Blank: unlimited. */
  rateLimitPerSecond: string;
  /** "0": never; blank: the default. */
  disableAfterFailingHours: string;
  /** The Jinja template as typed; blank means none. */
  transformation: string;
  enabled: boolean;
}

export const emptyForm = (): SubscriptionForm => ({
  description: "",
  formName: "",
  events: ["create", "update"],
  callbackUrl: "",
  condition: "",
  authType: "NO_AUTH",
  username: "",
  password: "",
  accessKey: "",
  accessSecretKey: "",
  tenantId: "",
  authBaseUrl: "",
  authAccessTokenPath: "",
  authRefreshTokenPath: "",
  authHeaderTokenName: "",
  token: "",
  tokenUrl: "",
  clientId: "",
  clientSecret: "",
  scope: "",
  format: "ar",
  ordering: "subscription",
  deadLetterPolicy: "skip",
  payloadFields: "",
  sendUnchangedFields: false,
  sendAttachmentAsReference: false,
  customJson: "",
  retryDelaysMs: "",
  maxAttempts: "",
  timeoutMs: "",
  rateLimitPerSecond: "",
  disableAfterFailingHours: String(DEFAULT_DISABLE_AFTER_FAILING_HOURS),
  transformation: "",
  enabled: true,
});

/** For re-rendering after an error: typed secrets are not echoed back into the page. */
export const withoutSecrets = (form: SubscriptionForm): SubscriptionForm => ({ ...form, password: "", token: "", accessSecretKey: "", clientSecret: "" });

export function formFromView(view: WebhookView): SubscriptionForm {
  const auth = view.callback.authentication;
  const retry = (view.retry_policy ?? {}) as { retryDelaysMs?: number[]; maxAttempts?: number; timeoutMs?: number };
  return {
    description: view.description ?? "",
    formName: view.form_name,
    events: view.entry_events,
    callbackUrl: view.callback.url,
    condition: view.condition,
    authType: auth.type,
    username: auth.username ?? "",
    password: "",
    accessKey: auth.accessKey ?? "",
    accessSecretKey: "",
    tenantId: auth.tenantId ?? "",
    authBaseUrl: auth.authBaseUrl ?? "",
    authAccessTokenPath: auth.authAccessTokenPath ?? "",
    authRefreshTokenPath: auth.authRefreshTokenPath ?? "",
    authHeaderTokenName: auth.authHeaderTokenName ?? "",
    token: "",
    tokenUrl: auth.tokenUrl ?? "",
    clientId: auth.clientId ?? "",
    clientSecret: "",
    scope: auth.scope ?? "",
    format: view.format,
    ordering: view.ordering,
    deadLetterPolicy: view.dead_letter_policy,
    payloadFields: view.payload_fields.join("\n"),
    sendUnchangedFields: view.send_unchanged_fields,
    sendAttachmentAsReference: view.send_attachment_as_reference,
    customJson: view.custom_json ? JSON.stringify(view.custom_json, null, 2) : "",
    retryDelaysMs: retry.retryDelaysMs?.join(", ") ?? "",
    maxAttempts: retry.maxAttempts?.toString() ?? "",
    timeoutMs: retry.timeoutMs?.toString() ?? "",
    rateLimitPerSecond: view.rate_limit_per_second?.toString() ?? "",
    disableAfterFailingHours: view.disable_after_failing_hours.toString(),
    transformation: view.transformation ?? "",
    enabled: view.enabled,
  };
}

/** The posted form as typed. Checkbox groups arrive as repeated fields. */
export async function formFromRequest(c: Context<PortalEnv>): Promise<SubscriptionForm> {
  const body = await c.req.parseBody({ all: true });
  const text = (name: string): string => {
    const value = body[name];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === "string" ? first : "";
  };
  const raw = body["entry_events"];
  const events = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((value): value is string => typeof value === "string");
  return {
    description: text("description"),
    formName: text("form_name"),
    events,
    callbackUrl: text("callback_url"),
    condition: text("condition"),
    authType: text("auth_type") || "NO_AUTH",
    username: text("auth_username"),
    password: text("auth_password"),
    accessKey: text("auth_access_key"),
    accessSecretKey: text("auth_access_secret_key"),
    tenantId: text("auth_tenant_id"),
    authBaseUrl: text("auth_base_url"),
    authAccessTokenPath: text("auth_access_token_path"),
    authRefreshTokenPath: text("auth_refresh_token_path"),
    authHeaderTokenName: text("auth_header_token_name"),
    token: text("auth_token"),
    tokenUrl: text("auth_token_url"),
    clientId: text("auth_client_id"),
    clientSecret: text("auth_client_secret"),
    scope: text("auth_scope"),
    format: text("format"),
    ordering: text("ordering"),
    deadLetterPolicy: text("dead_letter_policy"),
    payloadFields: text("payload_fields"),
    sendUnchangedFields: text("send_unchanged_fields") === "on",
    sendAttachmentAsReference: text("send_attachment_as_reference") === "on",
    customJson: text("custom_json"),
    retryDelaysMs: text("retry_delays_ms"),
    maxAttempts: text("max_attempts"),
    timeoutMs: text("timeout_ms"),
    rateLimitPerSecond: text("rate_limit_per_second"),
    disableAfterFailingHours: text("disable_after_failing_hours"),
    // Browsers send a textarea's line breaks as CRLF; the template is stored as typed, with plain newlines.
    transformation: text("transformation").replace(/\r\n?/g, "\n"),
    enabled: text("enabled") === "on",
  };
}

/** A whole number as a number; anything else as typed, so the API names the field that is wrong. */
const integer = (value: string): number | string => (/^\s*-?\d+\s*$/.test(value) ? Number(value) : value.trim());
const orNull = (value: string): string | null => (value.trim() ? value.trim() : null);

/** The registration body for POST/PUT. `editing`: a blank secret is sent masked, which keeps the stored one. */
export function registrationFrom(form: SubscriptionForm, editing: boolean): Record<string, unknown> {
  const secret = (value: string) => (value ? value : editing ? MASKED_SECRET : null);
  const authentication: Record<string, unknown> = { type: form.authType };
  if (form.authType === "BASIC") Object.assign(authentication, { username: orNull(form.username), password: secret(form.password) });
  if (form.authType === "BEARER") Object.assign(authentication, { token: secret(form.token) });
  if (form.authType === "IMS") {
    Object.assign(authentication, {
      accessKey: orNull(form.accessKey),
      accessSecretKey: secret(form.accessSecretKey),
      tenantId: orNull(form.tenantId),
      authBaseUrl: orNull(form.authBaseUrl),
      authAccessTokenPath: orNull(form.authAccessTokenPath),
      authRefreshTokenPath: orNull(form.authRefreshTokenPath),
      authHeaderTokenName: orNull(form.authHeaderTokenName),
    });
  }
  if (form.authType === "OAUTH2") {
    Object.assign(authentication, {
      tokenUrl: orNull(form.tokenUrl),
      clientId: orNull(form.clientId),
      clientSecret: secret(form.clientSecret),
      scope: orNull(form.scope),
    });
  }
  const retry: Record<string, unknown> = {};
  if (form.retryDelaysMs.trim()) retry.retryDelaysMs = form.retryDelaysMs.split(/[\s,]+/).filter(Boolean).map(integer);
  if (form.maxAttempts.trim()) retry.maxAttempts = integer(form.maxAttempts);
  if (form.timeoutMs.trim()) retry.timeoutMs = integer(form.timeoutMs);
  return {
    description: orNull(form.description),
    form_name: form.formName,
    condition: form.condition.trim(),
    entry_events: form.events,
    callback: { url: form.callbackUrl, authentication },
    payload_fields: form.payloadFields.split(/[\n,]+/).map((field) => field.trim()).filter(Boolean),
    enabled: form.enabled,
    send_unchanged_fields: form.sendUnchangedFields,
    send_attachment_as_reference: form.sendAttachmentAsReference,
    custom_json: orNull(form.customJson),
    format: form.format || "ar",
    ordering: form.ordering || "subscription",
    retry_policy: Object.keys(retry).length > 0 ? retry : null,
    dead_letter_policy: form.deadLetterPolicy || "skip",
    // Never left out (a PUT would keep the stored value): blank is unlimited, and the default number of hours.
    rate_limit_per_second: form.rateLimitPerSecond.trim() ? integer(form.rateLimitPerSecond) : null,
    disable_after_failing_hours: form.disableAfterFailingHours.trim() ? integer(form.disableAfterFailingHours) : null,
    // Sent as shown, never left out: a blank box clears a stored template instead of keeping it.
    transformation: form.transformation.trim() ? form.transformation : null,
  };
}

const AUTH_LABELS: Record<string, string> = {
  NO_AUTH: "None",
  BASIC: "Basic (username and password)",
  BEARER: "Bearer (static token)",
  IMS: "IMS (access key and token)",
  OAUTH2: "OAuth2 client credentials",
};
const EVENT_LABELS: Record<string, string> = { create: "Create", update: "Update", merge: "Merge", delete: "Delete" };

function Text(props: { name: string; label: string; value: string; type?: string; hint?: string; required?: boolean; autocomplete?: string; showFor?: string }) {
  const hintId = props.hint ? `${props.name}-hint` : undefined;
  return (
    <div data-show-for={props.showFor}>
      <label for={props.name}>{props.label}</label>
      <input id={props.name} name={props.name} type={props.type ?? "text"} value={props.value} required={props.required} aria-describedby={hintId} autocomplete={props.autocomplete} />
      {props.hint ? <p class="hint" id={hintId}>{props.hint}</p> : null}
    </div>
  );
}

function Select(props: { name: string; label: string; value: string; options: readonly string[]; labels?: Record<string, string> }) {
  return (
    <div>
      <label for={props.name}>{props.label}</label>
      <select id={props.name} name={props.name}>
        {props.options.map((option) => <option value={option} selected={option === props.value}>{props.labels?.[option] ?? option}</option>)}
      </select>
    </div>
  );
}

function Check(props: { name: string; label: string; checked: boolean; value?: string; id?: string }) {
  const id = props.id ?? props.name;
  return (
    <div class="check">
      <input type="checkbox" id={id} name={props.name} value={props.value ?? "on"} checked={props.checked} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** `dryRun`: where the Dry run button posts the form as typed, and the sample event type to offer (only a stored subscription can be tried). */
export function SubscriptionFormView(props: {
  c: Context<PortalEnv>;
  action: string;
  form: SubscriptionForm;
  editing: boolean;
  error?: ApiError | undefined;
  dryRun?: { action: string; eventType: string };
}) {
  const { form, editing } = props;
  const keepHint = editing ? "Leave blank to keep the stored value." : undefined;
  return (
    <form method="post" action={props.action} class="stack" novalidate>
      <CsrfField token={props.c.get("session").csrf} />
      <FormError error={props.error} />
      <Text name="description" label="Description" value={form.description} />
      <Text name="form_name" label="Form name" value={form.formName} required hint="The AR form whose entries trigger this webhook, e.g. HPD:Help Desk." />
      <fieldset>
        <legend>Events</legend>
        {entryEvents.map((event) => <Check id={`entry_events_${event}`} name="entry_events" value={event} label={EVENT_LABELS[event] ?? event} checked={form.events.includes(event)} />)}
      </fieldset>
      <Text name="callback_url" label="Callback URL" type="url" value={form.callbackUrl} required />
      <Text name="condition" label="Condition" value={form.condition} hint={`Optional AR qualification, e.g. 'Status' != "Closed".`} />
      <fieldset>
        <legend>Callback authentication</legend>
        <Select name="auth_type" label="Authentication type" value={form.authType} options={callbackAuthTypes} labels={AUTH_LABELS} />
        <p class="hint">Basic uses the username and password; Bearer the token; IMS the access key and token fields; OAuth2 the token URL and client credentials. Other fields are ignored.</p>
        <Text showFor="auth_type=BASIC" name="auth_username" label="Username" value={form.username} autocomplete="off" />
        <Text showFor="auth_type=BASIC" name="auth_password" label="Password" type="password" value={form.password} hint={keepHint} autocomplete="new-password" />
        <Text showFor="auth_type=BEARER" name="auth_token" label="Bearer token" type="password" value={form.token} hint={keepHint} autocomplete="new-password" />
        <Text showFor="auth_type=IMS" name="auth_access_key" label="Access key" value={form.accessKey} autocomplete="off" />
        <Text showFor="auth_type=IMS" name="auth_access_secret_key" label="Access secret key" type="password" value={form.accessSecretKey} hint={keepHint} autocomplete="new-password" />
        <Text showFor="auth_type=IMS" name="auth_tenant_id" label="IMS tenant id" value={form.tenantId} />
        <Text showFor="auth_type=IMS" name="auth_base_url" label="Auth base URL" value={form.authBaseUrl} />
        <Text showFor="auth_type=IMS" name="auth_access_token_path" label="Access token path" value={form.authAccessTokenPath} />
        <Text showFor="auth_type=IMS" name="auth_refresh_token_path" label="Refresh token path" value={form.authRefreshTokenPath} />
        <Text showFor="auth_type=IMS" name="auth_header_token_name" label="Token header name" value={form.authHeaderTokenName} />
        <Text showFor="auth_type=OAUTH2" name="auth_token_url" label="Token URL" type="url" value={form.tokenUrl} />
        <Text showFor="auth_type=OAUTH2" name="auth_client_id" label="Client ID" value={form.clientId} autocomplete="off" />
        <Text showFor="auth_type=OAUTH2" name="auth_client_secret" label="Client secret" type="password" value={form.clientSecret} hint={keepHint} autocomplete="new-password" />
        <Text showFor="auth_type=OAUTH2" name="auth_scope" label="Scope" value={form.scope} hint="Optional; space-separated scopes to ask for." />
      </fieldset>
      <fieldset>
        <legend>Delivery</legend>
        <Select name="format" label="Payload format" value={form.format} options={payloadFormats} labels={{ ar: "AR (full record)", thin: "Thin (ids only)" }} />
        <Select name="ordering" label="Ordering" value={form.ordering} options={orderings} labels={{ subscription: "One stream per subscription", record: "One stream per record" }} />
        <Select name="dead_letter_policy" label="Dead-letter policy" value={form.deadLetterPolicy} options={deadLetterPolicies} labels={{ skip: "Skip (the stream moves on)", block: "Block (hold the stream until skipped or replayed)" }} />
        <Text name="retry_delays_ms" label="Retry delays (ms)" value={form.retryDelaysMs} hint="Optional, comma-separated; blank keeps the default schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)." />
        <Text name="max_attempts" label="Max attempts" value={form.maxAttempts} hint="Optional; attempts in all, the first included." />
        <Text name="timeout_ms" label="Timeout (ms)" value={form.timeoutMs} hint="Optional; at most 30000." />
        <Text name="rate_limit_per_second" label="Rate limit (callbacks per second)" value={form.rateLimitPerSecond} hint={`Optional, 1 to ${MAX_RATE_LIMIT_PER_SECOND}; blank is unlimited. Callbacks over the rate wait their turn, in order.`} />
        <Text
          name="disable_after_failing_hours"
          label="Disable after failing for (hours)"
          value={form.disableAfterFailingHours}
          hint={`Hookgate disables the subscription (its deliveries held) when callbacks have failed this long without a success; 0 never, at most ${MAX_DISABLE_AFTER_FAILING_HOURS}, blank the default ${DEFAULT_DISABLE_AFTER_FAILING_HOURS}.`}
        />
      </fieldset>
      <fieldset>
        <legend>Payload</legend>
        <div>
          <label for="payload_fields">Payload fields</label>
          <textarea id="payload_fields" name="payload_fields" aria-describedby="payload_fields-hint">{form.payloadFields}</textarea>
          <p class="hint" id="payload_fields-hint">One field name per line; blank sends every field.</p>
        </div>
        <Check name="send_unchanged_fields" label="Send unchanged fields" checked={form.sendUnchangedFields} />
        <Check name="send_attachment_as_reference" label="Send attachments as references" checked={form.sendAttachmentAsReference} />
        <div>
          <label for="custom_json">Custom JSON</label>
          <textarea id="custom_json" name="custom_json" aria-describedby="custom_json-hint">{form.customJson}</textarea>
          <p class="hint" id="custom_json-hint">Optional JSON object sent along with each callback.</p>
        </div>
        <TransformationField value={form.transformation} dryRunEvent={props.dryRun?.eventType} />
      </fieldset>
      {editing ? null : <Check name="enabled" label="Enabled" checked={form.enabled} />}
      <div class="actions">
        <button type="submit" class="primary">{editing ? "Save subscription" : "Create subscription"}</button>
        {props.dryRun ? <button type="submit" formaction={`${props.dryRun.action}#${DRY_RUN_RESULT_ID}`}>Dry run</button> : null}
      </div>
    </form>
  );
}
