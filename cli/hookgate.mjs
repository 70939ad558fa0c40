#!/usr/bin/env node
// The `hookgate` command (package.json "bin"; `npx hookgate …` in a clone after `npm install`). The CLI is
// TypeScript in cli/, importing the gateway's own preset definitions from src/; this shim bundles it with
// esbuild (~0.1 s, so the command is never stale after an edit) into a private file under dist/ (gitignored),
// loads it, deletes it, and runs it. npx puts node_modules/.bin first on PATH, so this runs on the project's
// Node 22; Node 20 works too.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function bundle() {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(root, "cli", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // commander and standardwebhooks load from node_modules at run time, as they would for any Node program.
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const file = join(root, "dist", `.hookgate-${process.pid}-${randomBytes(4).toString("hex")}.mjs`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, result.outputFiles[0].contents);
  return file;
}

let main;
try {
  const file = await bundle();
  try {
    main = await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
} catch (error) {
  console.error(`hookgate: could not build the CLI (run npm install first?): ${error instanceof Error ? error.message.split("\n")[0] : error}`);
  process.exit(2);
}
await main.run(process.argv);
