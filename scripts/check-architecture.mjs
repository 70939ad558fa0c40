// Checks the module boundaries of src/ (docs/ARCHITECTURE.md, "Module map"): no import cycle between files, the
// layer rules below, no two folders importing each other, no file over MAX_LINES. Type imports count. Exits 1 with
// the list of violations, or prints one summary line.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const MAX_LINES = 400;

const PLATFORM = ["runtime", "http", "db", "secrets", "outbound"];
const IDENTITY = ["tenancy", "auth", "api-keys", "audit"];
const DOMAIN = ["records", "subscriptions", "lifecycle", "delivery", "operations"];
const PROTOCOLS = ["inbound", "arsys"];
const SURFACES = ["portal", "openapi", "admin", "stats"];
/** src/ files outside every folder: the composition root. They may import anything; nothing may import them. */
const ROOT_FILES = ["index.ts", "app.ts", "tenant-api.ts"];
const ROOT = "(root)";

/** Layer rules: files in `from` may import only `only` (when given) and never `never`. Same-folder imports always pass. */
const RULES = [
  { from: PLATFORM, only: PLATFORM, rule: "platform imports only platform" },
  { from: IDENTITY, only: [...PLATFORM, ...IDENTITY], rule: "identity imports only platform and identity" },
  { from: DOMAIN, never: [...PROTOCOLS, ...SURFACES], rule: "domain never imports protocols or surfaces" },
  { from: ["records"], never: DOMAIN, rule: "records/ imports no other domain folder" },
  { from: ["subscriptions"], never: ["lifecycle", "delivery"], rule: "subscriptions/ imports only records/ among domain folders" },
  { from: ["lifecycle"], never: ["delivery"], rule: "lifecycle/ never imports delivery/" },
  { from: [...PLATFORM, ...IDENTITY, ...DOMAIN, ...PROTOCOLS, ...SURFACES], never: [ROOT], rule: "nothing imports the composition root" },
];
const KNOWN_FOLDERS = new Set([...PLATFORM, ...IDENTITY, ...DOMAIN, ...PROTOCOLS, ...SURFACES, ROOT]);

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(repo, "src");

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The src/ file a relative specifier names, or null when none exists. */
function resolveImport(fromFile, specifier) {
  const base = join(dirname(fromFile), specifier).replace(/\.js$/, "");
  const candidate = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")].find(
    (path) => existsSync(path) && statSync(path).isFile(),
  );
  return candidate ?? null;
}

const rel = (file) => relative(srcDir, file).split(sep).join("/");
const folderOf = (file) => {
  const parts = rel(file).split("/");
  return parts.length === 1 ? ROOT : parts[0];
};

const files = sourceFiles(srcDir).sort();
const imports = new Map();
const problems = { unresolved: [], unknown: [], cycles: [], layers: [], mutual: [], long: [] };
let importCount = 0;

for (const file of files) {
  const text = readFileSync(file, "utf8");
  const targets = new Set();
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = resolveImport(file, fileName);
    if (target) targets.add(target);
    else problems.unresolved.push(`${rel(file)}: "${fileName}"`);
  }
  imports.set(file, [...targets]);
  importCount += targets.size;
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lines > MAX_LINES) problems.long.push(`${rel(file)}: ${lines} lines`);
  const folder = folderOf(file);
  if (!KNOWN_FOLDERS.has(folder)) problems.unknown.push(`${rel(file)}: folder ${folder}/ is not in the module map`);
  if (folder === ROOT && !ROOT_FILES.includes(rel(file))) problems.unknown.push(`${rel(file)}: not a composition-root file`);
}

// The developer CLI (cli/, Node): the same line limit; from src/ it imports only the preset definitions (plain
// data), and src/ never imports it, so none of it can reach the Worker bundle.
const cliDir = join(repo, "cli");
const cliMayImport = join(srcDir, "inbound", "configurable", "presets") + sep;
const cliFiles = existsSync(cliDir) ? sourceFiles(cliDir).sort() : [];
const repoRel = (file) => relative(repo, file).split(sep).join("/");
for (const file of cliFiles) {
  const text = readFileSync(file, "utf8");
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = resolveImport(file, fileName);
    if (!target) problems.unresolved.push(`${repoRel(file)}: "${fileName}"`);
    else if (target.startsWith(srcDir + sep) && !target.startsWith(cliMayImport)) {
      problems.layers.push(`${repoRel(file)} -> ${repoRel(target)}  (the CLI imports only the preset definitions from src/)`);
    }
  }
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lines > MAX_LINES) problems.long.push(`${repoRel(file)}: ${lines} lines`);
}
for (const [file, targets] of imports) {
  for (const target of targets) if (!target.startsWith(srcDir + sep)) problems.layers.push(`${rel(file)} -> ${repoRel(target)}  (src/ imports only src/)`);
}

// Cycles: strongly connected components of more than one file (Tarjan), each shown with one concrete loop.
{
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (file) => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of imports.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file), index.get(target)));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) problems.cycles.push(describeCycle(component));
  };
  for (const file of files) if (!index.has(file)) visit(file);
}

/** The component's files, and a shortest loop through its first file (breadth-first inside the component). */
function describeCycle(component) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  let loop = null;
  while (queue.length > 0 && !loop) {
    const file = queue.shift();
    for (const target of imports.get(file)) {
      if (target === start) {
        loop = [start];
        for (let step = file; step !== start; step = previous.get(step)) loop.splice(1, 0, step);
        break;
      }
      if (members.has(target) && !previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  const files = component.map(rel).sort().join(", ");
  return `${files}\n      e.g. ${[...loop, start].map(rel).join(" -> ")}`;
}

// Layer rules and folder pairs.
const folderEdges = new Map();
for (const [file, targets] of imports) {
  const from = folderOf(file);
  for (const target of targets) {
    const to = folderOf(target);
    if (from === to) continue;
    const key = `${from} -> ${to}`;
    if (!folderEdges.has(key)) folderEdges.set(key, []);
    folderEdges.get(key).push(`${rel(file)} -> ${rel(target)}`);
    const broken = RULES.filter(({ from: sources, only, never }) => sources.includes(from) && ((only && !only.includes(to)) || never?.includes(to)));
    if (broken.length > 0) problems.layers.push(`${rel(file)} -> ${rel(target)}  (${broken.map(({ rule }) => rule).join("; ")})`);
  }
}
for (const [key, edges] of folderEdges) {
  const [from, to] = key.split(" -> ");
  const back = folderEdges.get(`${to} -> ${from}`);
  if (!back || from > to || from === ROOT || to === ROOT) continue;
  problems.mutual.push(`${from}/ <-> ${to}/\n${[...edges, ...back].map((edge) => `      ${edge}`).join("\n")}`);
}

const SECTIONS = [
  ["unresolved", "Relative imports that name no file"],
  ["unknown", "Files outside the module map"],
  ["cycles", "Import cycles (files in each cycle)"],
  ["layers", "Layer rule violations"],
  ["mutual", "Folders that import each other"],
  ["long", `Files over ${MAX_LINES} lines`],
];
const failed = SECTIONS.filter(([key]) => problems[key].length > 0);
if (failed.length === 0) {
  console.log(`Architecture: ${files.length} files (and ${cliFiles.length} in cli/), ${importCount} imports: no cycles, layer rules hold, no folders importing each other, none over ${MAX_LINES} lines.`);
} else {
  for (const [key, title] of failed) {
    console.error(`${title}: ${problems[key].length}`);
    for (const problem of problems[key]) console.error(`  - ${problem}`);
  }
  console.error(`Architecture check failed: ${failed.map(([key]) => `${problems[key].length} ${key}`).join(", ")}.`);
  process.exit(1);
}
