#!/usr/bin/env node
// The `hookgate` command (package.json "bin"; `npx hookgate …` in a clone after `npm install`). The CLI is
// TypeScript in cli/, importing the gateway's own preset definitions from src/; this shim bundles it with
// esbuild into dist/ (gitignored) and runs it. The bundle is rebuilt whenever one of the files it was built
// from changed, so the command is never stale after an edit. npx puts node_modules/.bin first on PATH, so this
// runs on the project's Node 22; Node 20 works too.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundleFile = join(root, "dist", "hookgate-cli.mjs");
/** The files the bundle was built from, with their modification times then. */
const inputsFile = join(root, "dist", "hookgate-cli.inputs.json");

function isFresh() {
  try {
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
    statSync(bundleFile);
    return Object.entries(inputs).every(([file, mtimeMs]) => statSync(join(root, file)).mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}

/** Written under a private name, then renamed: runs started at the same moment never read half a file. */
function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

async function build() {
  const { build: esbuild } = await import("esbuild");
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: ["cli/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // commander and standardwebhooks load from node_modules at run time, as for any Node program.
    packages: "external",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, statSync(join(root, file)).mtimeMs]));
  mkdirSync(dirname(bundleFile), { recursive: true });
  writeAtomically(bundleFile, result.outputFiles[0].contents);
  writeAtomically(inputsFile, JSON.stringify(inputs));
}

let main;
try {
  if (!isFresh()) await build();
  main = await import(pathToFileURL(bundleFile).href);
} catch (error) {
  console.error(`hookgate: could not build the CLI (run npm install first?): ${error instanceof Error ? error.message.split("\n")[0] : error}`);
  process.exit(2);
}
await main.run(process.argv);
