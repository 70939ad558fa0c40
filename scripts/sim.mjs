/**
 * `npm run sim`: bundles sim/main.ts (the deterministic fault simulator, docs/SIMULATION.md) with esbuild to a
 * temporary file and runs it on the project's Node (22, for node:sqlite), passing the arguments through.
 */
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "hookgate-sim-"));
const outfile = join(dir, "sim.mjs");
try {
  await build({
    entryPoints: [join(root, "sim/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "warning",
    // cloudflare:workers is only imported by Durable Object and Worker entry code the sim never runs.
    external: ["cloudflare:*"],
  });
  // npm runs scripts with the project's node (node_modules/.bin first on PATH); run directly, prefer it too.
  const projectNode = join(root, "node_modules/.bin/node");
  const node = Number(process.versions.node.split(".")[0]) >= 22 ? process.execPath : projectNode;
  const run = spawnSync(node, ["--disable-warning=ExperimentalWarning", outfile, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, SIM_ROOT: root },
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
