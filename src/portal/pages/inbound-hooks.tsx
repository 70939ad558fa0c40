/**
 * Inbound hooks page: the tenant's configurable inbound hooks with their receiving URLs, a new hook from a
 * preset, a hook's settings and template, and a dry-run preview of the template as typed over a sample body.
 * Everything goes through /api/v1/inbound-hooks.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import type { ApiError } from "../api-client";
import { redirectWith, renderPage, portalPath } from "../layout";
import { formFromHook, formFromPreset, formFromRequest, hookInput, parseSampleBody, prettyJson, type HookForm, type HookView, type PresetView } from "./inbound-hooks/form";
import { FormError } from "../components";
import { HookBody, HookList, NewHookBody, type DryRunResult, type HookPageState, type Preview } from "./inbound-hooks/views";

const HOOKS = "/api/v1/inbound-hooks";
const MASKED_SECRET = "********";
const ACTIVE = "/inbound-hooks";

type PageStatus = 200 | 400 | 404 | 409 | 422;
const pageStatus = (status: number): PageStatus => (status === 404 || status === 409 || status === 422 ? status : 400);

async function loadPresets(c: Context<PortalEnv>): Promise<PresetView[]> {
  const result = await c.get("api").get<{ items: PresetView[] }>(`${HOOKS}/presets`);
  if (!result.ok) throw new Error(`inbound hook presets: ${result.error.code} ${result.error.message}`);
  return result.body.items;
}

function notFound(c: Context<PortalEnv>, failed: { status: number; error: ApiError }) {
  const body = (
    <>
      <FormError error={failed.error} />
      <p><a href={portalPath(c, "/inbound-hooks")}>Back to inbound hooks</a></p>
    </>
  );
  return renderPage(c, { title: "Inbound hook not found", active: ACTIVE, body, status: pageStatus(failed.status) });
}

const presetName = (presets: PresetView[], id: string): string => presets.find((preset) => preset.id === id)?.name ?? id;

/** The preset's sample body, pretty-printed, to start a dry run from. */
const presetSample = (presets: PresetView[], id: string): string => {
  const preset = presets.find((candidate) => candidate.id === id);
  return preset ? prettyJson(preset.sample.body) : "";
};

/** Renders `template` (the saved one when undefined) over the sample body through the dry-run API. */
async function dryRun(c: Context<PortalEnv>, hookId: string, sampleBody: string, template?: string): Promise<Preview> {
  const sample = parseSampleBody(sampleBody);
  if (!sample.ok) return { ok: false, error: { code: "INVALID_JSON", message: sample.message } };
  const input = { ...(sample.body === undefined ? {} : { body: sample.body }), ...(template === undefined ? {} : { template }) };
  const result = await c.get("api").send<DryRunResult>("POST", `${HOOKS}/${hookId}/dry-run`, input);
  return result.ok ? { ok: true, result: result.body } : { ok: false, error: result.error };
}

function renderHook(c: Context<PortalEnv>, state: HookPageState, status: PageStatus = 200) {
  return renderPage(c, { title: state.hook.name, active: ACTIVE, body: <HookBody c={c} state={state} />, status });
}

function renderNew(c: Context<PortalEnv>, presets: PresetView[], form: HookForm, error?: ApiError, status: PageStatus = 200) {
  const preset = presets.find((candidate) => candidate.id === form.preset) ?? presets[0]!;
  return renderPage(c, { title: "New inbound hook", active: ACTIVE, body: <NewHookBody c={c} presets={presets} preset={preset} form={form} error={error} />, status });
}

export const inboundHooksPage = new Hono<PortalEnv>()
  .get("/inbound-hooks", async (c) => {
    const [hooks, presets] = await Promise.all([c.get("api").get<{ items: HookView[] }>(HOOKS), loadPresets(c)]);
    const body = hooks.ok ? <HookList c={c} hooks={hooks.body.items} presets={presets} /> : <FormError error={hooks.error} />;
    return renderPage(c, { title: "Inbound hooks", active: ACTIVE, body });
  })
  .get("/inbound-hooks/new", async (c) => {
    const presets = await loadPresets(c);
    const asked = c.req.query("preset");
    const preset = asked ? presets.find((candidate) => candidate.id === asked) : presets[0];
    if (!preset) return renderNew(c, presets, formFromPreset(presets[0]!), { code: "VALIDATION_FAILED", message: `No preset '${asked}'` }, 400);
    return renderNew(c, presets, formFromPreset(preset));
  })
  .post("/inbound-hooks", async (c) => {
    const [form, presets] = await Promise.all([formFromRequest(c), loadPresets(c)]);
    const sample = parseSampleBody(form.sampleBody);
    if (!sample.ok) return renderNew(c, presets, form, { code: "VALIDATION_FAILED", message: sample.message, details: [{ path: "sample_body", message: "is not valid JSON" }] }, 400);
    const created = await c.get("api").send<HookView>("POST", HOOKS, hookInput(form));
    if (!created.ok) return renderNew(c, presets, form, created.error, pageStatus(created.status));
    const hook = created.body;
    // Rendered rather than redirected: a generated secret is in this answer only and must not go into a URL.
    return renderHook(c, {
      hook,
      form: formFromHook(hook, form.sampleBody || presetSample(presets, hook.preset)),
      presetName: presetName(presets, hook.preset),
      secret: hook.auth.secret !== MASKED_SECRET ? hook.auth.secret : undefined,
      preview: form.sampleBody.trim() ? await dryRun(c, hook.id, form.sampleBody) : undefined,
    });
  })
  .get("/inbound-hooks/:id", async (c) => {
    const [found, presets] = await Promise.all([c.get("api").get<HookView>(`${HOOKS}/${encodeURIComponent(c.req.param("id"))}`), loadPresets(c)]);
    if (!found.ok) return notFound(c, found);
    const hook = found.body;
    return renderHook(c, { hook, form: formFromHook(hook, presetSample(presets, hook.preset)), presetName: presetName(presets, hook.preset) });
  })
  .post("/inbound-hooks/:id", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const [found, form, presets] = await Promise.all([c.get("api").get<HookView>(`${HOOKS}/${id}`), formFromRequest(c), loadPresets(c)]);
    if (!found.ok) return notFound(c, found);
    // The preset (and so the auth kind) is the hook's own; the form only edits the rest.
    const typed = { ...form, preset: found.body.preset, authKind: found.body.auth.kind };
    const saved = await c.get("api").send<HookView>("PUT", `${HOOKS}/${id}`, hookInput(typed));
    if (!saved.ok) return renderHook(c, { hook: found.body, form: typed, presetName: presetName(presets, found.body.preset), error: saved.error }, pageStatus(saved.status));
    return redirectWith(c, `/inbound-hooks/${id}`, { notice: "Inbound hook saved." });
  })
  .post("/inbound-hooks/:id/preview", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const [found, form, presets] = await Promise.all([c.get("api").get<HookView>(`${HOOKS}/${id}`), formFromRequest(c), loadPresets(c)]);
    if (!found.ok) return notFound(c, found);
    const hook = found.body;
    // The edit form as typed stays on the page: previewing is trying a template before saving it.
    const preview = await dryRun(c, id, form.sampleBody, form.template);
    const typed = { ...form, preset: hook.preset, authKind: hook.auth.kind };
    return renderHook(c, { hook, form: typed, presetName: presetName(presets, hook.preset), preview }, preview.ok ? 200 : 400);
  })
  .post("/inbound-hooks/:id/delete", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const deleted = await c.get("api").send("DELETE", `${HOOKS}/${id}`);
    if (!deleted.ok) return redirectWith(c, "/inbound-hooks", { error: `${deleted.error.message} (${deleted.error.code})` });
    return redirectWith(c, "/inbound-hooks", { notice: "Inbound hook deleted." });
  });
