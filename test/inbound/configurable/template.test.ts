import { describe, expect, it } from "vitest";
import { compileTemplate, MAX_TEMPLATE_CHARS, renderFields, TemplateError } from "../../../src/inbound/configurable/template";

const context = { body: { email: "a@example.com", tags: ["x", "y"] }, item: { n: 1 }, headers: { "x-a": "1" }, now: "2024-08-09T14:22:31.342Z" };
const render = (source: string) => renderFields(compileTemplate(source), context);
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

  it("output must be one JSON object", () => {
    expect(failure(() => render("null")).message).toMatch(/not null/);
    expect(failure(() => render('"text"')).message).toMatch(/not string/);
    expect(failure(() => render("{ email: 1 }")).message).toMatch(/not JSON/);
  });
});
