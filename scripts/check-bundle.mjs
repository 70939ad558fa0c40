// Builds the production bundle exactly as `wrangler deploy` would (--dry-run, nothing uploaded) and fails when
// it exceeds the Workers limit we hold ourselves to: 3 MiB gzip-compressed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const LIMIT_BYTES = 3 * 1024 * 1024;
const outdir = mkdtempSync(join(tmpdir(), "hookgate-bundle-"));
try {
  execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const modules = readdirSync(outdir).filter((name) => name.endsWith(".js") || name.endsWith(".mjs") || name.endsWith(".wasm"));
  const compressed = modules.reduce((total, name) => total + gzipSync(readFileSync(join(outdir, name))).length, 0);
  const line = `Production bundle: ${(compressed / 1024).toFixed(0)} KiB gzip (limit ${LIMIT_BYTES / 1024 / 1024} MiB), modules: ${modules.join(", ")}`;
  if (compressed > LIMIT_BYTES) {
    console.error(`${line} — TOO LARGE`);
    process.exit(1);
  }
  console.log(line);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
