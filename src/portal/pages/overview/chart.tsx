/**
 * The overview's bar chart as inline SVG (no library, no script): per bucket, an events bar and a stacked
 * deliveries bar (succeeded under failed). Colours are SVG presentation attributes, which the CSP allows.
 */
export interface ChartPoint {
  start: string;
  events: number;
  succeeded: number;
  failed: number;
}

const WIDTH = 600;
const HEIGHT = 180;
const AXIS = 22;
const COLOURS = { events: "#0a58ca", succeeded: "#1a7f37", failed: "#cf222e" } as const;

const clock = (iso: string) => iso.slice(11, 16);

export function ActivityChart(props: { series: ChartPoint[]; label: string }) {
  const { series } = props;
  const top = Math.max(1, ...series.flatMap((point) => [point.events, point.succeeded + point.failed]));
  const plot = HEIGHT - AXIS;
  const slot = WIDTH / Math.max(1, series.length);
  const bar = slot * 0.36;
  const height = (value: number) => (value / top) * (plot - 8);
  return (
    <figure>
      <svg class="chart" role="img" aria-label={props.label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT}>
        <title>{props.label}</title>
        <line x1="0" y1={plot} x2={WIDTH} y2={plot} stroke="#d0d7de" />
        <line x1="0" y1="8" x2={WIDTH} y2="8" stroke="#d0d7de" stroke-dasharray="4 4" />
        <text x={WIDTH - 4} y="20" font-size="12" fill="#57606a" text-anchor="end">{String(top)}</text>
        {series.map((point, index) => {
          const x = index * slot + slot * 0.1;
          const ok = height(point.succeeded);
          const failed = height(point.failed);
          const events = height(point.events);
          return (
            <g>
              <title>{`${clock(point.start)} UTC: ${point.events} events, ${point.succeeded} succeeded, ${point.failed} failed`}</title>
              <rect x={x} y={plot - events} width={bar} height={events} fill={COLOURS.events} />
              <rect x={x + bar + 2} y={plot - ok} width={bar} height={ok} fill={COLOURS.succeeded} />
              <rect x={x + bar + 2} y={plot - ok - failed} width={bar} height={failed} fill={COLOURS.failed} />
            </g>
          );
        })}
        {series.map((point, index) =>
          index % 3 === 0 ? (
            <text x={index * slot + slot * 0.1} y={HEIGHT - 6} font-size="12" fill="#57606a">{clock(point.start)}</text>
          ) : null,
        )}
      </svg>
      <figcaption class="hint">
        Per bucket: <strong>events</strong> (blue), then deliveries <strong>succeeded</strong> (green) and <strong>failed</strong> (red), stacked. Times in UTC.
      </figcaption>
    </figure>
  );
}
