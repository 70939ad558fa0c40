/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: it throws on any line the
 * format's grammar does not allow, on a sample before its family's TYPE, on a family split in two, on a HELP or
 * TYPE given twice, on a repeated label set, and on text that does not end in a newline.
 */

export interface ParsedSample {
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  help?: string;
  type: string;
  samples: ParsedSample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|NaN|[+-]Inf)$/;
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(\\{.*\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);

function unescape(text: string, allowQuote: boolean): string {
  return text.replace(/\\(.)/g, (whole, char: string) => {
    if (char === "\\") return "\\";
    if (char === "n") return "\n";
    if (char === '"' && allowQuote) return '"';
    throw new Error(`bad escape ${whole}`);
  });
}

function parseLabels(block: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (block === undefined) return labels;
  let rest = block.slice(1, -1);
  while (rest.length > 0) {
    const match = LABEL_PAIR.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [whole, name, value] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = unescape(value, true);
    rest = rest.slice(whole.length);
    if (rest.startsWith(",")) rest = rest.slice(1);
    else if (rest.length > 0) throw new Error(`bad labels in: ${line}`);
  }
  return labels;
}

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const families = new Map<string, ParsedFamily & { helpSeen: boolean; typeSeen: boolean }>();
  const closed = new Set<string>();
  let current: string | null = null;
  const enter = (name: string) => {
    if (current !== name) {
      if (closed.has(name)) throw new Error(`family ${name} is split`);
      if (current) closed.add(current);
      current = name;
    }
    let family = families.get(name);
    if (!family) families.set(name, (family = { type: "untyped", samples: [], helpSeen: false, typeSeen: false }));
    return family;
  };
  const seenSeries = new Set<string>();
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.trim() === "") continue;
    const help = HELP_LINE.exec(line);
    if (help) {
      const family = enter(help[1]!);
      if (family.helpSeen) throw new Error(`HELP twice for ${help[1]}`);
      family.helpSeen = true;
      family.help = unescape(help[2]!, false);
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      const family = enter(type[1]!);
      if (family.typeSeen || family.samples.length > 0) throw new Error(`TYPE for ${type[1]} twice or after its samples`);
      family.typeSeen = true;
      family.type = type[2]!;
      continue;
    }
    if (line.startsWith("#")) throw new Error(`malformed HELP/TYPE line: ${line}`);
    const sample = SAMPLE_LINE.exec(line);
    if (!sample || !VALUE.test(sample[3]!)) throw new Error(`malformed sample line: ${line}`);
    const name = sample[1]!;
    const family = enter(name);
    if (!family.typeSeen) throw new Error(`sample of ${name} before its TYPE`);
    const labels = parseLabels(sample[2], line);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`series repeated: ${line}`);
    seenSeries.add(series);
    const raw = sample[3]!;
    family.samples.push({ labels, value: raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw) });
  }
  return new Map([...families].map(([name, { helpSeen: _h, typeSeen: _t, ...family }]) => [name, family]));
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none matches. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = (families.get(name)?.samples ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
