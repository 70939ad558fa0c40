/**
 * The subscription detail page: state (enabled, breaker, stream backlog), the actions (enable/disable, send
 * test, rotate the signing secret, replay since, delete) and the edit form. Results that are shown once —
 * a test attempt, a new signing secret — are rendered into this page by the POST that produced them.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import { CsrfField, portalPath, renderPage } from "../../layout";
import { ActionButton, CopyField, StatusBadge, formatTime } from "../../components";
import type { ApiError } from "../../api-client";
import type { WebhookView } from "../../../arsys/webhook-view";
import type { StreamView, TestAttempt } from "../../../delivery/delivery-view";
import { SubscriptionFormView, formFromView, type SubscriptionForm } from "./form";
import { DryRunResult, type DryRunOutcome } from "./transformation";

export const subscriptionApiPath = (id: string, suffix = ""): string => `/api/arsys/v1.0/webhook/${encodeURIComponent(id)}${suffix}`;
export const deliveryApiPath = (id: string, suffix: string): string => `/api/v1/subscriptions/${encodeURIComponent(id)}${suffix}`;

/** A subscription's streams (one, or one per record) summed up; the worst breaker state wins. */
export function streamSummary(streams: StreamView[], subscriptionId: string) {
  const own = streams.filter((stream) => stream.subscriptionId === subscriptionId);
  const breaker = ["open", "half_open", "closed"].find((state) => own.some((stream) => stream.breaker === state)) ?? null;
  return {
    breaker,
    pending: own.reduce((sum, stream) => sum + stream.pending, 0),
    deadLetters: own.reduce((sum, stream) => sum + stream.deadLetters, 0),
    blocked: own.some((stream) => stream.blocked),
    lag: own.reduce((max, stream) => Math.max(max, stream.lag), 0),
  };
}

export interface DetailExtras {
  form?: SubscriptionForm;
  formError?: ApiError;
  testResult?: TestAttempt;
  newSecret?: { key: string; previousKeyExpiresAt: string | null };
  /** The dry run of the form's transformation as typed (the form then shows what was typed, unsaved). */
  dryRun?: DryRunOutcome;
  /** The sample event type the dry run used, offered again. */
  dryRunEvent?: string;
  status?: 200 | 400;
}

const RESPONSE_EXCERPT_BYTES = 1024;

export function TestResult(props: { result: TestAttempt }) {
  const { result } = props;
  return (
    <section aria-labelledby="test-result">
      <h2 id="test-result">Test result</h2>
      <dl class="facts">
        <dt>Status code</dt>
        <dd>
          {result.statusCode === null ? (
            "no response"
          ) : (
            <span class={`badge ${result.statusCode >= 200 && result.statusCode <= 299 ? "badge-ok" : "badge-failed"}`}>{result.statusCode}</span>
          )}
        </dd>
        <dt>Latency</dt>
        <dd>{`${result.durationMs} ms`}</dd>
        {result.error ? (
          <>
            <dt>Error</dt>
            <dd>{result.error}</dd>
          </>
        ) : null}
      </dl>
      <h3>Response body</h3>
      {result.responseExcerpt ? <pre>{result.responseExcerpt.slice(0, RESPONSE_EXCERPT_BYTES)}</pre> : <p class="empty">Empty response body.</p>}
    </section>
  );
}

export async function renderSubscriptionDetail(c: Context<PortalEnv>, id: string, extras: DetailExtras = {}) {
  const api = c.get("api");
  const [found, streams] = await Promise.all([api.get<WebhookView>(subscriptionApiPath(id)), api.get<{ items: StreamView[] }>("/api/v1/streams")]);
  if (!found.ok) {
    return renderPage(c, {
      title: "Subscription",
      active: "/subscriptions",
      status: found.status === 404 ? 404 : 400,
      body: (
        <>
          <p role="alert" class="flash error">{`${found.error.message} (${found.error.code})`}</p>
          <p><a href={portalPath(c, "/subscriptions")}>Back to subscriptions</a></p>
        </>
      ),
    });
  }
  const view = found.body;
  const csrf = c.get("session").csrf;
  const summary = streamSummary(streams.ok ? streams.body.items : [], id);
  const path = (suffix = "") => portalPath(c, `/subscriptions/${encodeURIComponent(id)}${suffix}`);
  const body = (
    <>
      {/* Rendered by a post (a test, a new secret, a dry run, a refused edit): reloading should be a GET of this page. */}
      {c.req.method === "POST" ? <div hidden data-canonical-url={path()}></div> : null}
      <p><a href={portalPath(c, "/subscriptions")}>← All subscriptions</a></p>
      <dl class="facts">
        <dt>Id</dt>
        <dd><code>{view.webhook_id}</code></dd>
        <dt>State</dt>
        <dd><StatusBadge status={view.enabled && !view.disabled_reason ? "enabled" : "disabled"} /></dd>
        <dt>Circuit breaker</dt>
        <dd>{summary.breaker ? <StatusBadge status={summary.breaker} /> : "no deliveries yet"}</dd>
        <dt>Backlog</dt>
        <dd>{`${summary.pending} pending · ${summary.deadLetters} dead letters · lag ${summary.lag}${summary.blocked ? " · blocked" : ""}`}</dd>
      </dl>
      {view.disabled_reason ? (
        <div role="alert" class="flash error">
          <p>{`Disabled by Hookgate: ${view.disabled_reason}. Its deliveries are held.`}</p>
          <p>Saving the settings, or Re-enable, enables it again; its held deliveries then go out.</p>
        </div>
      ) : null}
      <div class="actions">
        {view.disabled_reason ? (
          <ActionButton action={path("/enable")} csrf={csrf} label="Re-enable" />
        ) : (
          <ActionButton action={path(view.enabled ? "/disable" : "/enable")} csrf={csrf} label={view.enabled ? "Disable" : "Enable"} />
        )}
        <ActionButton action={path("/test")} csrf={csrf} label="Send test" />
        <ActionButton action={path("/rotate-secret")} csrf={csrf} label="Rotate signing secret" confirm="Rotate the signing secret? The current one keeps signing for 24 hours." />
        <a class="button" href={`${portalPath(c, "/deliveries")}?subscription=${encodeURIComponent(id)}`}>Deliveries</a>
        <ActionButton action={path("/delete")} csrf={csrf} label="Delete" danger confirm={`Delete subscription ${id}? Its deliveries stop.`} />
      </div>
      {extras.newSecret ? (
        <section aria-labelledby="new-secret">
          <h2 id="new-secret">Signing secret rotated</h2>
          <CopyField id="new-signing-secret" label="New signing secret" value={extras.newSecret.key} />
          <p class="hint">
            {`Shown once: copy it to your receiver now. The previous secret keeps signing until ${formatTime(extras.newSecret.previousKeyExpiresAt)}.`}
          </p>
        </section>
      ) : null}
      {extras.testResult ? <TestResult result={extras.testResult} /> : null}
      <h2>Replay since</h2>
      <form method="post" action={path("/replay")} class="filters">
        <CsrfField token={csrf} />
        <div>
          <label for="since">Since (ISO time or seq)</label>
          <input id="since" name="since" type="text" placeholder="2026-01-01T00:00:00Z" required />
        </div>
        <button type="submit">Replay since</button>
      </form>
      <h2>Settings</h2>
      <SubscriptionFormView
        c={c}
        action={path()}
        form={extras.form ?? formFromView(view)}
        editing
        error={extras.formError}
        dryRun={{ action: path("/transformation/dry-run"), eventType: extras.dryRunEvent ?? "create" }}
      />
      {extras.dryRun ? <DryRunResult outcome={extras.dryRun} /> : null}
    </>
  );
  return renderPage(c, { title: view.description ? `Subscription: ${view.description}` : `Subscription ${id}`, active: "/subscriptions", body, status: extras.status ?? 200 });
}
