/**
 * Lifecycle hooks page: the tenant's one lifecycle hook configuration (base URL, token, enabled hooks, timeout)
 * as a form over /api/v1/lifecycle-hooks, "Save & test", which saves and then shows what the tenant's /test
 * endpoint answered, and "Rotate token". A token Hookgate issues (the token left empty, or a rotation) is shown
 * on the page that answers the POST, once: it never travels in a redirect or a URL.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import type { ApiError } from "../api-client";
import { CsrfField, portalPath, redirectWith, renderPage } from "../layout";
import { FormError } from "../components";
import { lifecycleHookNames } from "../../db/schema";

const PATH = "/api/v1/lifecycle-hooks";
const ACTIVE = "/lifecycle-hooks";

interface LifecycleConfig {
  baseUrl: string;
  token: string;
  tokenSource: "issued" | "supplied";
  enabled: string[];
  timeoutMs: number;
  onTimeout: "reject" | "allow";
  updatedAt: string;
}

interface TestResult {
  status: number | null;
  latencyMs: number;
  body: unknown;
  error: string | null;
}

interface LifecycleForm {
  baseUrl: string;
  token: string;
  enabled: string[];
  timeoutMs: string;
  onTimeout: string;
}

interface PageState {
  form: LifecycleForm;
  configured: boolean;
  error?: ApiError | undefined;
  test?: { ok: true; result: TestResult } | { ok: false; error: ApiError } | undefined;
  /** A token Hookgate just issued, shown this once. */
  issuedToken?: string | undefined;
}

const MASKED = "********";

const EMPTY_FORM: LifecycleForm = { baseUrl: "", token: "", enabled: [], timeoutMs: "3000", onTimeout: "reject" };

const formOf = (config: LifecycleConfig): LifecycleForm => ({
  baseUrl: config.baseUrl,
  token: config.token,
  enabled: config.enabled,
  timeoutMs: String(config.timeoutMs),
  onTimeout: config.onTimeout,
});

async function formFromRequest(c: Context<PortalEnv>): Promise<{ form: LifecycleForm; action: string }> {
  const body = await c.req.parseBody({ all: true });
  const values = (name: string): string[] => {
    const value = body[name];
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item): item is string => typeof item === "string");
  };
  const text = (name: string): string => values(name)[0] ?? "";
  return {
    form: { baseUrl: text("base_url"), token: text("token"), enabled: values("enabled"), timeoutMs: text("timeout_ms"), onTimeout: text("on_timeout") },
    action: text("action"),
  };
}

/** The PUT body: an empty token asks Hookgate to issue one. A timeout that is not a whole number is sent as typed, so the API names the field. */
const configBody = (form: LifecycleForm) => ({
  baseUrl: form.baseUrl,
  ...(form.token.trim() ? { token: form.token } : {}),
  enabled: form.enabled,
  ...(form.timeoutMs.trim() ? { timeoutMs: /^\d+$/.test(form.timeoutMs.trim()) ? Number(form.timeoutMs.trim()) : form.timeoutMs } : {}),
  ...(form.onTimeout ? { onTimeout: form.onTimeout } : {}),
});

function TestResultSection(props: { test: NonNullable<PageState["test"]> }) {
  const { test } = props;
  return (
    <section aria-labelledby="test-result-heading">
      <h2 id="test-result-heading">Test result</h2>
      {test.ok ? (
        <dl class="facts">
          <dt>Hook</dt>
          <dd><code>test</code></dd>
          <dt>Status</dt>
          <dd>{test.result.status === null ? "no answer" : String(test.result.status)}</dd>
          <dt>Latency</dt>
          <dd>{test.result.latencyMs} ms</dd>
          {test.result.error !== null ? (
            <>
              <dt>Error</dt>
              <dd role="alert">{test.result.error}</dd>
            </>
          ) : (
            <>
              <dt>Answer</dt>
              <dd><pre>{test.result.body === null ? "(empty)" : typeof test.result.body === "string" ? test.result.body : JSON.stringify(test.result.body, null, 2)}</pre></dd>
            </>
          )}
        </dl>
      ) : (
        <p role="alert" class="flash error">{test.error.message} ({test.error.code})</p>
      )}
    </section>
  );
}

function LifecycleBody(props: { c: Context<PortalEnv>; state: PageState }) {
  const { c, state } = props;
  const { form } = state;
  return (
    <>
      <p class="hint">
        Hookgate calls <code>{"{base URL}/{hook name}"}</code> with the token as a Bearer credential around every user lifecycle change.
        {state.configured ? "" : " Nothing is configured yet."}
      </p>
      {state.test ? <p class="flash notice" role="status">Lifecycle hooks saved.</p> : null}
      {state.issuedToken ? (
        <section aria-labelledby="issued-token-heading" class="flash notice">
          <h2 id="issued-token-heading">New token</h2>
          <label for="lc-issued-token">Token (shown once)</label>
          <input id="lc-issued-token" type="text" readonly value={state.issuedToken} />
          <p class="hint">Hookgate sends it to your hooks as the Bearer credential; your hook server may also use it to read this tenant's API (read only). Copy it now: it is not shown again.</p>
        </section>
      ) : null}
      <FormError error={state.error} />
      <form method="post" action={portalPath(c, "/lifecycle-hooks")} class="stack">
        <CsrfField token={c.get("session").csrf} />
        <div>
          <label for="lc-base-url">Base URL</label>
          <input id="lc-base-url" name="base_url" type="url" value={form.baseUrl} required placeholder="https://hooks.example.com/webhook" />
        </div>
        <div>
          <label for="lc-token">Token</label>
          <input id="lc-token" name="token" type="password" value={form.token} autocomplete="off" aria-describedby="lc-token-hint" />
          <p class="hint" id="lc-token-hint">
            Sent as <code>Authorization: Bearer …</code>. Leave <code>{MASKED}</code> to keep the stored token; leave it empty to have Hookgate
            issue one (shown once; it can also read this tenant's API).
          </p>
        </div>
        <fieldset>
          <legend>Enabled hooks</legend>
          {lifecycleHookNames.map((name) => (
            <div class="check">
              <input type="checkbox" id={`lc-hook-${name}`} name="enabled" value={name} checked={form.enabled.includes(name)} />
              <label for={`lc-hook-${name}`}>{name}</label>
            </div>
          ))}
        </fieldset>
        <div>
          <label for="lc-timeout">Timeout (ms)</label>
          <input id="lc-timeout" name="timeout_ms" type="number" min={100} max={10000} step={1} value={form.timeoutMs} />
        </div>
        <div>
          <label for="lc-on-timeout">On timeout</label>
          <select id="lc-on-timeout" name="on_timeout">
            <option value="reject" selected={form.onTimeout !== "allow"}>reject the change</option>
            <option value="allow" selected={form.onTimeout === "allow"}>allow the change</option>
          </select>
        </div>
        <p class="actions">
          <button type="submit" class="primary" name="action" value="save">Save</button>
          <button type="submit" name="action" value="test">Save &amp; test</button>
          {state.configured ? (
            <button type="submit" name="action" value="rotate" formnovalidate>
              Rotate token
            </button>
          ) : null}
        </p>
      </form>
      {state.test ? <TestResultSection test={state.test} /> : null}
    </>
  );
}

const render = (c: Context<PortalEnv>, state: PageState, status: 200 | 400 = 200) =>
  renderPage(c, { title: "Lifecycle hooks", active: ACTIVE, body: <LifecycleBody c={c} state={state} />, status });

export const lifecycleHooksPage = new Hono<PortalEnv>()
  .get("/lifecycle-hooks", async (c) => {
    const config = await c.get("api").get<LifecycleConfig>(PATH);
    if (config.ok) return render(c, { form: formOf(config.body), configured: true });
    if (config.status === 404) return render(c, { form: EMPTY_FORM, configured: false });
    return render(c, { form: EMPTY_FORM, configured: false, error: config.error }, 400);
  })
  .post("/lifecycle-hooks", async (c) => {
    const { form, action } = await formFromRequest(c);
    if (action === "rotate") {
      const rotated = await c.get("api").send<LifecycleConfig>("POST", `${PATH}/rotate-token`);
      if (!rotated.ok) return render(c, { form, configured: true, error: rotated.error }, 400);
      return render(c, { form: { ...formOf(rotated.body), token: MASKED }, configured: true, issuedToken: rotated.body.token });
    }
    const saved = await c.get("api").send<LifecycleConfig>("PUT", PATH, configBody(form));
    if (!saved.ok) {
      const configured = (await c.get("api").get<LifecycleConfig>(PATH)).ok;
      return render(c, { form, configured, error: saved.error }, 400);
    }
    const issuedToken = saved.body.token === MASKED ? undefined : saved.body.token;
    const savedForm = { ...formOf(saved.body), token: MASKED };
    if (action !== "test") {
      if (!issuedToken) return redirectWith(c, "/lifecycle-hooks", { notice: "Lifecycle hooks saved." });
      return render(c, { form: savedForm, configured: true, issuedToken });
    }
    const result = await c.get("api").send<TestResult>("POST", `${PATH}/test`);
    return render(c, { form: savedForm, configured: true, issuedToken, test: result.ok ? { ok: true, result: result.body } : { ok: false, error: result.error } });
  });
