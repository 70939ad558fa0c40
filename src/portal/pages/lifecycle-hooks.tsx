/**
 * Lifecycle hooks page: the tenant's one lifecycle hook configuration (base URL, token, enabled hooks, timeout)
 * as a form over /api/v1/lifecycle-hooks, and "Save & test", which saves and then shows what the tenant's
 * /test endpoint answered.
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
}

const EMPTY_FORM: LifecycleForm = { baseUrl: "", token: "", enabled: [], timeoutMs: "3000", onTimeout: "reject" };

const formOf = (config: LifecycleConfig): LifecycleForm => ({
  baseUrl: config.baseUrl,
  token: config.token,
  enabled: config.enabled,
  timeoutMs: String(config.timeoutMs),
  onTimeout: config.onTimeout,
});

async function formFromRequest(c: Context<PortalEnv>): Promise<{ form: LifecycleForm; test: boolean }> {
  const body = await c.req.parseBody({ all: true });
  const values = (name: string): string[] => {
    const value = body[name];
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item): item is string => typeof item === "string");
  };
  const text = (name: string): string => values(name)[0] ?? "";
  return {
    form: { baseUrl: text("base_url"), token: text("token"), enabled: values("enabled"), timeoutMs: text("timeout_ms"), onTimeout: text("on_timeout") },
    test: text("action") === "test",
  };
}

/** The PUT body. A timeout that is not a whole number is sent as typed, so the API names the field. */
const configBody = (form: LifecycleForm) => ({
  baseUrl: form.baseUrl,
  token: form.token,
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
      <FormError error={state.error} />
      <form method="post" action={portalPath(c, "/lifecycle-hooks")} class="stack">
        <CsrfField token={c.get("session").csrf} />
        <div>
          <label for="lc-base-url">Base URL</label>
          <input id="lc-base-url" name="base_url" type="url" value={form.baseUrl} required placeholder="https://hooks.example.com/webhook" />
        </div>
        <div>
          <label for="lc-token">Token</label>
          <input id="lc-token" name="token" type="password" value={form.token} required autocomplete="off" aria-describedby="lc-token-hint" />
          <p class="hint" id="lc-token-hint">Sent as <code>Authorization: Bearer …</code>. Leave <code>********</code> to keep the stored token.</p>
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
    const { form, test } = await formFromRequest(c);
    const saved = await c.get("api").send<LifecycleConfig>("PUT", PATH, configBody(form));
    if (!saved.ok) {
      const configured = (await c.get("api").get<LifecycleConfig>(PATH)).ok;
      return render(c, { form, configured, error: saved.error }, 400);
    }
    if (!test) return redirectWith(c, "/lifecycle-hooks", { notice: "Lifecycle hooks saved." });
    const result = await c.get("api").send<TestResult>("POST", `${PATH}/test`);
    return render(c, { form: formOf(saved.body), configured: true, test: result.ok ? { ok: true, result: result.body } : { ok: false, error: result.error } });
  });
