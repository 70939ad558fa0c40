import { describe, expect, it } from "vitest";
import { renderExposition, type MetricFamily } from "../../src/stats/exposition";
import { metricFamilies, oldestOpenAgeSeconds, type TenantSnapshot } from "../../src/stats/metrics";
import { streamView } from "./stream-view";
import { parseExposition, sampleValue } from "./prometheus-text";

const stream = streamView;

const NOW = Date.parse("2026-12-03T12:00:00.000Z");
const snapshot: TenantSnapshot = {
  inbound: [
    { source: "tickets", status: 201, count: 3 },
    { source: "tickets", status: 401, count: 7 },
  ],
  events: [{ form: "Ticket", type: "create", count: 3 }],
  attempts: [
    { outcome: "success", count: 2 },
    { outcome: "failure", count: 1 },
  ],
  streams: [
    stream({ stream: "a", pending: 2, headCreatedAt: "2026-12-03T11:59:30.000Z", breaker: "open", deadLetters: 1 }),
    stream({ stream: "b", pending: 1, headCreatedAt: "2026-12-03T11:58:00.000Z", blocked: true, deadLetters: 2 }),
    stream({ stream: "c", deadLetters: 0 }),
  ],
  tallies: [],
  prunedDeadLetters: 0,
};

describe("renderExposition", () => {
  it("writes HELP and TYPE per family, then its samples, with labels sorted and escaped", () => {
    const families: MetricFamily[] = [
      { name: "hookgate_x_total", help: "Line one\nback\\slash", type: "counter", samples: [{ labels: { z: "1", a: 'quote " back \\ nl \n' }, value: 4 }] },
      { name: "hookgate_y", help: "A gauge.", type: "gauge", samples: [{ labels: {}, value: 0.25 }, { labels: { k: "v" }, value: NaN }] },
    ];
    const text = renderExposition(families);
    expect(text).toBe(
      [
        "# HELP hookgate_x_total Line one\\nback\\\\slash",
        "# TYPE hookgate_x_total counter",
        'hookgate_x_total{a="quote \\" back \\\\ nl \\n",z="1"} 4',
        "# HELP hookgate_y A gauge.",
        "# TYPE hookgate_y gauge",
        "hookgate_y 0.25",
        'hookgate_y{k="v"} NaN',
        "",
      ].join("\n"),
    );
    const parsed = parseExposition(text);
    expect(parsed.get("hookgate_x_total")).toEqual({ help: "Line one\nback\\slash", type: "counter", samples: [{ labels: { a: 'quote " back \\ nl \n', z: "1" }, value: 4 }] });
    expect(sampleValue(parsed, "hookgate_y", { k: "v" })).toBeNaN();
  });

  it("renders infinities as +Inf and -Inf and nothing at all for no family", () => {
    const text = renderExposition([{ name: "g", help: "h", type: "gauge", samples: [{ labels: { s: "up" }, value: Infinity }, { labels: { s: "down" }, value: -Infinity }] }]);
    expect(text).toContain('g{s="up"} +Inf\ng{s="down"} -Inf\n');
    expect(renderExposition([])).toBe("");
  });

  it("refuses names the format does not allow and a family rendered twice", () => {
    expect(() => renderExposition([{ name: "9bad", help: "", type: "gauge", samples: [] }])).toThrow(/metric name/);
    expect(() => renderExposition([{ name: "ok", help: "", type: "gauge", samples: [{ labels: { "bad-label": "x" }, value: 1 }] }])).toThrow(/label name/);
    expect(() => renderExposition([{ name: "ok", help: "", type: "gauge", samples: [{ labels: { __reserved: "x" }, value: 1 }] }])).toThrow(/label name/);
    const twice: MetricFamily = { name: "ok", help: "", type: "gauge", samples: [] };
    expect(() => renderExposition([twice, twice])).toThrow(/twice/);
  });
});

describe("the strict test parser", () => {
  it("rejects what the grammar does not allow", () => {
    expect(() => parseExposition("# TYPE a gauge\na 1")).toThrow(/newline/);
    expect(() => parseExposition("a 1\n")).toThrow(/before its TYPE/);
    expect(() => parseExposition("# TYPE a gauge\na{x=\"1} 1\n")).toThrow(/labels/);
    expect(() => parseExposition("# TYPE a gauge\na one\n")).toThrow(/malformed sample/);
    expect(() => parseExposition("# TYPE a gauge\n# TYPE b gauge\n# HELP a again\n")).toThrow(/split/);
    expect(() => parseExposition("# TYPE a gauge\na 1\na 2\n")).toThrow(/repeated/);
  });
});

describe("metricFamilies", () => {
  it("turns a tenant's snapshot into the hookgate_ families, parseable and with the expected values", () => {
    const parsed = parseExposition(renderExposition(metricFamilies([{ snapshot }], NOW)));
    expect([...parsed.keys()]).toEqual([
      "hookgate_inbound_requests_total",
      "hookgate_events_total",
      "hookgate_delivery_attempts_total",
      "hookgate_deliveries_dead_lettered_total",
      "hookgate_delivery_lag_seconds",
      "hookgate_open_streams",
      "hookgate_blocked_streams",
      "hookgate_circuit_breakers_open",
    ]);
    for (const [name, family] of parsed) {
      expect(family.type).toBe(name.endsWith("_total") ? "counter" : "gauge");
      expect(family.help).toBeTruthy();
    }
    expect(sampleValue(parsed, "hookgate_inbound_requests_total", { source: "tickets", status: "401" })).toBe(7);
    expect(sampleValue(parsed, "hookgate_events_total", { form: "Ticket", type: "create" })).toBe(3);
    expect(sampleValue(parsed, "hookgate_delivery_attempts_total", { outcome: "failure" })).toBe(1);
    expect(sampleValue(parsed, "hookgate_deliveries_dead_lettered_total")).toBe(3);
    expect(sampleValue(parsed, "hookgate_delivery_lag_seconds")).toBe(120);
    expect(sampleValue(parsed, "hookgate_open_streams")).toBe(2);
    expect(sampleValue(parsed, "hookgate_blocked_streams")).toBe(1);
    expect(sampleValue(parsed, "hookgate_circuit_breakers_open")).toBe(1);
    expect([...parsed.values()].flatMap((family) => family.samples).some((sample) => "tenant" in sample.labels)).toBe(false);
  });

  it("labels every series with its tenant when several share one exposition, in a stable order", () => {
    const families = metricFamilies([{ slug: "acme", snapshot }, { slug: "globex", snapshot: { inbound: [], events: [], attempts: [], streams: [], tallies: [], prunedDeadLetters: 0 } }], NOW);
    const parsed = parseExposition(renderExposition(families));
    for (const family of parsed.values()) for (const sample of family.samples) expect(["acme", "globex"]).toContain(sample.labels.tenant);
    expect(sampleValue(parsed, "hookgate_delivery_lag_seconds", { tenant: "globex" })).toBe(0);
    expect(sampleValue(parsed, "hookgate_events_total", { tenant: "globex" })).toBeUndefined();
    const reversed = { ...snapshot, inbound: [...snapshot.inbound].reverse() };
    expect(renderExposition(metricFamilies([{ slug: "acme", snapshot: reversed }], NOW))).toBe(renderExposition(metricFamilies([{ slug: "acme", snapshot }], NOW)));
  });

  it("adds what retention pruned to the live counts, per label set, with labels of any JSON type", () => {
    const pruned: TenantSnapshot = {
      ...snapshot,
      tallies: [
        { metric: "hookgate_inbound_requests_total", labels: '{"source":"tickets","status":401}', value: 5 },
        { metric: "hookgate_inbound_requests_total", labels: '{"status":500,"source":"tickets"}', value: 2 },
        { metric: "hookgate_events_total", labels: '{"form":"Ticket","type":"create"}', value: 10 },
        { metric: "hookgate_delivery_attempts_total", labels: '{"outcome":"error"}', value: 4 },
      ],
      prunedDeadLetters: 6,
    };
    const parsed = parseExposition(renderExposition(metricFamilies([{ snapshot: pruned }], NOW)));
    expect(sampleValue(parsed, "hookgate_inbound_requests_total", { source: "tickets", status: "401" })).toBe(12);
    expect(sampleValue(parsed, "hookgate_inbound_requests_total", { source: "tickets", status: "500" })).toBe(2);
    expect(sampleValue(parsed, "hookgate_inbound_requests_total", { source: "tickets", status: "201" })).toBe(3);
    expect(sampleValue(parsed, "hookgate_events_total", { form: "Ticket", type: "create" })).toBe(13);
    expect(sampleValue(parsed, "hookgate_delivery_attempts_total", { outcome: "error" })).toBe(4);
    expect(sampleValue(parsed, "hookgate_delivery_attempts_total", { outcome: "success" })).toBe(2);
    expect(sampleValue(parsed, "hookgate_deliveries_dead_lettered_total")).toBe(9);
  });

  it("measures lag from the oldest open head, never below zero", () => {
    expect(oldestOpenAgeSeconds([], NOW)).toBe(0);
    expect(oldestOpenAgeSeconds([stream({ headCreatedAt: "2026-12-03T12:00:01.000Z" })], NOW)).toBe(0);
    expect(oldestOpenAgeSeconds(snapshot.streams, NOW)).toBe(120);
  });
});
