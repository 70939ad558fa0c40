/**
 * The metric families of GET /api/v1/metrics and GET /admin/v1/metrics, built from tenants' snapshots (counts
 * read from the data-plane tables, stream state from the delivery object). Pure: the clock is passed in.
 * A counter is what the tables hold plus the tallies of what retention pruned from them, so it never falls.
 */
import type { StreamView } from "../delivery/delivery-view";
import type { MetricFamily, Sample } from "./exposition";

export interface TenantSnapshot {
  inbound: readonly { source: string; status: number; count: number }[];
  events: readonly { form: string; type: string; count: number }[];
  attempts: readonly { outcome: string; count: number }[];
  streams: readonly StreamView[];
  /** What retention pruned of the counted tables, per metric and label set (labels: a JSON object). */
  tallies: readonly { metric: string; labels: string; value: number }[];
  /** Dead letters the delivery object's retention pruned. */
  prunedDeadLetters: number;
}

/** A tenant's snapshot, with its slug when several tenants share one exposition (the admin scrape). */
export interface LabelledSnapshot {
  slug?: string;
  snapshot: TenantSnapshot;
}

/** Label sets compared regardless of key order and value type (a tally's status is a JSON number). */
const labelSetKey = (labels: Record<string, unknown>): string =>
  JSON.stringify(
    Object.entries(labels)
      .map(([name, value]): [string, string] => [name, String(value)])
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** The live samples of a counter plus its tallies (what retention pruned): one sample per label set. */
export function withTallies(metric: string, live: readonly Sample[], tallies: TenantSnapshot["tallies"]): Sample[] {
  const merged = new Map<string, Sample>(live.map((sample) => [labelSetKey(sample.labels), { labels: sample.labels, value: sample.value }]));
  for (const tally of tallies) {
    if (tally.metric !== metric) continue;
    const parsed = JSON.parse(tally.labels) as Record<string, unknown>;
    const labels = Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
    const key = labelSetKey(labels);
    const sample = merged.get(key);
    if (sample) sample.value += tally.value;
    else merged.set(key, { labels, value: tally.value });
  }
  return [...merged.values()];
}

/** Age in seconds of the oldest open delivery among `streams` at `now`; 0 when none is open. */
export function oldestOpenAgeSeconds(streams: readonly StreamView[], now: number): number {
  const oldest = streams.reduce((min, stream) => (stream.headCreatedAt === null ? min : Math.min(min, Date.parse(stream.headCreatedAt))), Infinity);
  return oldest === Infinity ? 0 : Math.max(0, (now - oldest) / 1000);
}

/**
 * Every family, one sample per tenant and label set; with no tenant at all a family has no samples (its HELP and
 * TYPE still say it exists). Label sets come out in a stable order, so two scrapes of the same state are equal.
 */
export function metricFamilies(tenants: readonly LabelledSnapshot[], now: number): MetricFamily[] {
  const per = (pick: (snapshot: TenantSnapshot) => Sample[]): Sample[] =>
    tenants.flatMap(({ slug, snapshot }) =>
      pick(snapshot)
        .map((sample) => ({ labels: slug === undefined ? sample.labels : { tenant: slug, ...sample.labels }, value: sample.value }))
        .sort((a, b) => labelKey(a).localeCompare(labelKey(b))),
    );
  const one = (pick: (snapshot: TenantSnapshot) => number): Sample[] => per((snapshot) => [{ labels: {}, value: pick(snapshot) }]);
  const counter = (metric: string, live: (snapshot: TenantSnapshot) => Sample[]): Sample[] => per((snapshot) => withTallies(metric, live(snapshot), snapshot.tallies));
  return [
    {
      name: "hookgate_inbound_requests_total",
      help: "Vendor requests received, by source and HTTP status.",
      type: "counter",
      samples: counter("hookgate_inbound_requests_total", (snapshot) => snapshot.inbound.map((row) => ({ labels: { source: row.source, status: String(row.status) }, value: row.count }))),
    },
    {
      name: "hookgate_events_total",
      help: "Events committed, by form and type.",
      type: "counter",
      samples: counter("hookgate_events_total", (snapshot) => snapshot.events.map((row) => ({ labels: { form: row.form, type: row.type }, value: row.count }))),
    },
    {
      name: "hookgate_delivery_attempts_total",
      help: "Delivery attempts, by outcome (success: 2xx; failure: another HTTP status; error: no HTTP answer).",
      type: "counter",
      samples: counter("hookgate_delivery_attempts_total", (snapshot) => snapshot.attempts.map((row) => ({ labels: { outcome: row.outcome }, value: row.count }))),
    },
    {
      name: "hookgate_deliveries_dead_lettered_total",
      help: "Deliveries dead-lettered after their last attempt or over the held cap.",
      type: "counter",
      samples: one((snapshot) => snapshot.prunedDeadLetters + snapshot.streams.reduce((sum, stream) => sum + stream.deadLetters, 0)),
    },
    {
      name: "hookgate_delivery_lag_seconds",
      help: "Age in seconds of the oldest open (pending, in flight or blocked) delivery; 0 when nothing is open.",
      type: "gauge",
      samples: one((snapshot) => oldestOpenAgeSeconds(snapshot.streams, now)),
    },
    {
      name: "hookgate_open_streams",
      help: "Delivery streams with open (pending, in flight or blocked) deliveries.",
      type: "gauge",
      samples: one((snapshot) => snapshot.streams.filter((stream) => stream.pending > 0).length),
    },
    {
      name: "hookgate_blocked_streams",
      help: "Delivery streams held by a dead letter (dead-letter policy block).",
      type: "gauge",
      samples: one((snapshot) => snapshot.streams.filter((stream) => stream.blocked).length),
    },
    {
      name: "hookgate_circuit_breakers_open",
      help: "Delivery streams whose callback URL's circuit breaker is open.",
      type: "gauge",
      samples: one((snapshot) => snapshot.streams.filter((stream) => stream.breaker === "open").length),
    },
  ];
}

const labelKey = (sample: Sample): string => JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)));
