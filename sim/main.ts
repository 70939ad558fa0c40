/**
 * `npm run sim`: runs seeded schedules of one tenant's delivery engine under faults (sim/schedule.ts) and
 * checks the invariants (sim/invariants.ts). `--seeds 1000-1999` runs a range, `--seed 17 --verbose` prints one
 * schedule step by step, `--twice` runs each seed twice and fails if the two traces differ (determinism).
 * The last line is `sim: N schedules, L lost, R reordered, S stranded, D unexpected duplicates`.
 */
import { createHash } from "node:crypto";
import { runSchedule, type ScheduleResult } from "./schedule";

// recordInstanceId hashes with crypto.subtle, whose answer comes from a thread pool: a synchronous digest keeps one seed one run.
const subtle = (globalThis as unknown as { crypto: { subtle: { digest: unknown } } }).crypto.subtle;
subtle.digest = async (_algorithm: unknown, data: ArrayBufferView | ArrayBuffer): Promise<ArrayBuffer> => {
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const digest = createHash("sha256").update(bytes).digest();
  return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
};

interface Options {
  seeds: number[];
  verbose: boolean;
  twice: boolean;
  root: string;
}

function parseRange(text: string): number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a seed or range: ${text}`);
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { seeds: parseRange("1-100"), verbose: false, twice: false, root: process.env.SIM_ROOT ?? process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--seeds" || arg === "--seed") options.seeds = parseRange(argv[++i] ?? "");
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--twice") options.twice = true;
    else throw new Error(`unknown option ${arg} (use --seeds A-B, --seed N, --verbose, --twice)`);
  }
  return options;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function traced(seed: number, root: string): Promise<{ result: ScheduleResult; trace: string[] }> {
  const trace: string[] = [];
  const result = await runSchedule(seed, root, (line) => trace.push(line));
  return { result, trace };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const totals = { lost: 0, reordered: 0, stranded: 0, duplicates: 0, sentWhileSuspended: 0, nondeterministic: 0 };
  const started = Date.now();
  for (const seed of options.seeds) {
    let result: ScheduleResult;
    if (options.twice) {
      const first = await traced(seed, options.root);
      const second = await traced(seed, options.root);
      result = first.result;
      const at = first.trace.findIndex((line, i) => line !== second.trace[i]);
      if (at !== -1 || first.trace.length !== second.trace.length) {
        totals.nondeterministic++;
        out(`seed ${seed}: NOT DETERMINISTIC, traces differ at line ${at}: ${first.trace[at]} | ${second.trace[at]}`);
      }
    } else {
      result = await runSchedule(seed, options.root, options.verbose ? out : null);
    }
    totals.lost += result.lost.length;
    totals.reordered += result.reordered.length;
    totals.stranded += result.stranded.length;
    totals.duplicates += result.unexpectedDuplicates.length;
    totals.sentWhileSuspended += result.sentWhileSuspended.length;
    const failures = [
      ...result.lost.map((item) => `lost ${item}`),
      ...result.reordered.map((item) => `reordered ${item}`),
      ...result.stranded.map((item) => `stranded ${item}`),
      ...result.unexpectedDuplicates.map((item) => `unexpected duplicate ${item}`),
      ...result.sentWhileSuspended.map((item) => `sent while suspended ${item}`),
    ];
    if (options.verbose) out(`seed ${seed}: ${result.events} events, ${result.sends} sends, ${result.crashes} crashes`);
    if (failures.length > 0) out(`seed ${seed} FAILED (replay: npm run sim -- --seed ${seed} --verbose)\n  ${failures.slice(0, 10).join("\n  ")}`);
  }
  if (options.verbose || options.seeds.length > 1) out(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (totals.sentWhileSuspended > 0) out(`${totals.sentWhileSuspended} sends while the tenant was suspended`);
  out(`sim: ${options.seeds.length} schedules, ${totals.lost} lost, ${totals.reordered} reordered, ${totals.stranded} stranded, ${totals.duplicates} unexpected duplicates`);
  return totals.lost + totals.reordered + totals.stranded + totals.duplicates + totals.sentWhileSuspended + totals.nondeterministic === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
