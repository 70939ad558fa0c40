import { describe, expect, it } from "vitest";
import { MAX_OUTPUT_CHARS, MAX_RENDER_STEPS } from "../../../src/runtime/template/render-budget";
import { compileTemplate, MAX_TEMPLATE_CHARS, renderDelivery, TemplateError } from "../../../src/inbound/configurable/template";

const delivery = { body: { email: "a@example.com", tags: ["x", "y"] }, headers: { "x-a": "1" }, now: "2024-08-09T14:22:31.342Z" };
const renderItems = (source: string, items: unknown[]) => renderDelivery(compileTemplate(source), delivery, items);
const render = (source: string, item: unknown = { n: 1 }) => renderItems(source, [item])[0];
const failure = (run: () => unknown): TemplateError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error("expected a TemplateError");
};

describe("inbound hook templates (pure)", () => {
  it("renders body, item, headers and now into a JSON object, leaving null fields out", () => {
    expect(render('{"email": {{ body.email | tojson }}, "n": {{ item.n }}, "a": {{ headers["x-a"] | tojson }}, "at": {{ now | tojson }}, "gone": {{ body.missing | tojson }}}')).toEqual({
      email: "a@example.com",
      n: 1,
      a: "1",
      at: "2024-08-09T14:22:31.342Z",
    });
  });

  it("supports loops, conditions and filters within the limits", () => {
    expect(render('{"tags": {{ body.tags | join(",") | upper | tojson }}{% if item.n > 0 %}, "positive": true{% endif %}}')).toEqual({ tags: "X,Y", positive: true });
  });

  it("rejects templates over the size limit and templates that do not parse", () => {
    expect(failure(() => compileTemplate("x".repeat(MAX_TEMPLATE_CHARS + 1))).message).toMatch(/limit/);
    expect(failure(() => compileTemplate("{% for x in %}")).message).toMatch(/does not parse/);
  });

  it("caps range(), and raise_exception fails the render with its message", () => {
    expect(failure(() => render("{% for i in range(5000) %}{% endfor %}{}")).message).toMatch(/range\(\) is limited/);
    expect(failure(() => render('{{ raise_exception("no manager") }}')).message).toBe("Template raised: no manager");
  });

  it("counts empty loop iterations against the step budget", () => {
    expect(failure(() => render("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}{}")).message).toMatch(/render budget/);
  });

  it("renders every item of a delivery, each with its own `set` variables", () => {
    const source = '{% if item.n == 1 %}{% set label = "first" %}{% endif %}{"n": {{ item.n }}, "label": {{ label | default("none") | tojson }}}';
    expect(renderItems(source, [{ n: 1 }, { n: 2 }])).toEqual([{ n: 1, label: "first" }, { n: 2, label: "none" }]);
  });

  it("output must be one JSON object", () => {
    expect(failure(() => render("null")).message).toMatch(/not null/);
    expect(failure(() => render('"text"')).message).toMatch(/not string/);
    expect(failure(() => render("{ email: 1 }")).message).toMatch(/not JSON/);
  });
});

describe("inbound hook templates: one budget per delivery, checked before anything is built", () => {
  const outputBudget = /output budget \(2097152 characters per delivery\)/;
  const big = { s: "x".repeat(10_000), r: "y".repeat(10_000) };

  it.each([
    ["indent with a huge width", "{{ item.s | indent(200000000) }}"],
    ["indent of a single line (the padding is built anyway)", '{{ "x" | indent(200000000, true) }}'],
    ["the replace filter", '{{ item.s | replace("x", item.r) }}'],
    ["the replace method", '{{ item.s.replace("x", item.r) }}'],
    ["replace of the empty string", '{{ item.s.replace("", item.r) }}'],
    ["join with a long separator", "{{ item.s | join(item.r) }}"],
    ["tojson with a huge indent", "{{ body.tags | tojson(indent=100000000) }}"],
    ["tojson of an empty list with a huge indent (the library builds the padding)", "{{ [] | tojson(indent=500000000) }}"],
    ["tojson with long separators", "{{ range(300) | tojson(separators=(item.r, item.r)) }}"],
    ["string repetition", '{{ "x" * 100000000 }}'],
    ["a list doubled and written out", "{% set ns = namespace(a=[item.s]) %}{% for i in range(10) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a }}"],
    ["a list doubled and joined", "{% set ns = namespace(a=[item.s]) %}{% for i in range(10) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a | join }}"],
  ])("%s fails on the output budget", (_label, source) => {
    expect(failure(() => render(source, big)).message).toMatch(outputBudget);
  });

  it("the output budget is shared by the items of a delivery", () => {
    const source = '{"s": {{ item.s | tojson }}}';
    const item = { s: "x".repeat(100_000) };
    const fitting = Math.floor(MAX_OUTPUT_CHARS / 100_002);
    expect(renderItems(source, Array.from({ length: fitting }, () => item))).toHaveLength(fitting);
    expect(failure(() => renderItems(source, Array.from({ length: fitting + 1 }, () => item))).message).toMatch(outputBudget);
  });

  it("the step budget is shared by the items of a delivery", () => {
    // Each item takes more than 1,000 steps (a step per loop iteration at least) and far fewer than the budget.
    const source = "{% for i in range(1000) %}{% endfor %}{}";
    expect(render(source)).toEqual({});
    const items = Array.from({ length: Math.ceil(MAX_RENDER_STEPS / 1000) }, (_, n) => ({ n }));
    expect(failure(() => renderItems(source, items)).message).toMatch(/render budget of 200000 steps per delivery/);
  });

  it.each([
    ["sorting a long list", "{% for i in range(1000) %}{% set x = body.list | sort %}{% endfor %}{}"],
    ["searching a long list", "{% for i in range(1000) %}{% set x = 7 in body.list %}{% endfor %}{}"],
    ["looping over a long list", '{% for i in range(1000) %}{% for x in body.list %}{% break %}{% endfor %}{% endfor %}{}'],
    ["upper-casing a long string", "{% for i in range(1000) %}{% set x = body.text | upper %}{% endfor %}{}"],
    ["testing a long string", "{% for i in range(1000) %}{% set x = body.text is lower %}{% endfor %}{}"],
    ["splitting a long string", '{% for i in range(1000) %}{% set x = body.text.split("a") %}{% endfor %}{}'],
    ["slicing a long list", "{% for i in range(1000) %}{% set x = body.list[::-1] %}{% endfor %}{}"],
    ["doubling a list", "{% set ns = namespace(a=[1]) %}{% for i in range(40) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{}"],
  ])("%s pays for what it walks", (_label, source) => {
    const body = { list: Array.from({ length: 20_000 }, (_, n) => n), text: "a".repeat(200_000) };
    expect(() => renderDelivery(compileTemplate(source), { ...delivery, body }, [{}])).toThrow(/render budget/);
  });

  it("caps how deeply evaluations nest", () => {
    expect(failure(() => render("{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}{{ down(0) }}")).message).toMatch(/nests deeper than/);
  });
});
