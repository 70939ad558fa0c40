import { describe, expect, it } from "vitest";
import { call, countRows, createTenant, envelope } from "../../helpers";
import { HOOKS, createHook, type HookView } from "./hook-helpers";

describe("POST /api/v1/inbound-hooks/{id}/dry-run with a template to try", () => {
  it("renders the given template instead of the saved one and changes nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", template: '{"email": {{ body.email | tojson }}}' });
    const response = await call(tenant.slug, `${HOOKS}/${hook.id}/dry-run`, {
      key: tenant.key,
      json: { body: { email: "a@example.com", n: 1 }, template: '{"email": {{ body.email | upper | tojson }}, "n": {{ body.n + 1 }}}' },
    });
    expect(response.status).toBe(200);
    const result = await response.json<{ items: { fields: Record<string, unknown> }[] }>();
    expect(result.items[0]!.fields).toEqual({ email: "A@EXAMPLE.COM", n: 2 });
    const saved = await (await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key })).json<HookView>();
    expect(saved.template).toBe('{"email": {{ body.email | tojson }}}');
    expect(await countRows("records", tenant.id)).toBe(0);
  });

  it("a template to try that does not parse or render is 400 TEMPLATE_FAILED; an empty one is 400", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret" });
    const path = `${HOOKS}/${hook.id}/dry-run`;
    for (const template of ['{"a": {{ body.a | tojson }', "[1]"]) {
      const response = await call(tenant.slug, path, { key: tenant.key, json: { body: { a: 1 }, template } });
      expect(response.status, template).toBe(400);
      expect((await envelope(response)).error.code, template).toBe("TEMPLATE_FAILED");
    }
    const empty = await call(tenant.slug, path, { key: tenant.key, json: { template: "" } });
    expect(empty.status).toBe(400);
    expect((await envelope(empty)).error.details?.[0]?.path).toBe("template");
  });

  it("a template over its budget, or a body over the item cap, is 400 TEMPLATE_FAILED naming the limit", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook" });
    const path = `${HOOKS}/${hook.id}/dry-run`;
    const events = [{ s: "x".repeat(2_000), target: [] }];
    const cases: [string, unknown, RegExp][] = [
      ["{{ item.s | indent(200000000) }}", events, /indent filter would build more than .* output budget/],
      ['{{ item.s | replace("x", item.s) }}', events, /replace filter would build more than .* output budget/],
      ['{{ "x" * 100000000 }}', events, /String \* would build more than .* output budget/],
      ['{"n": 1}', Array.from({ length: 300_000 }, () => 0), /carries 300000 items at 'data.events'; a delivery may carry at most 1000/],
      ['{% for i in range(1000) %}{% endfor %}{"n": 1}', Array.from({ length: 1_000 }, () => 0), /render budget of 200000 steps per delivery/],
    ];
    for (const [template, items, message] of cases) {
      const response = await call(tenant.slug, path, { key: tenant.key, json: { body: { data: { events: items } }, template } });
      expect(response.status, template).toBe(400);
      const { error } = await envelope(response);
      expect(error.code, template).toBe("TEMPLATE_FAILED");
      expect(error.message, template).toMatch(message);
    }
  });
});
