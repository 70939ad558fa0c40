// Reads .dev.vars (creating it from .dev.vars.example on first run). Shared by the dev and bench scripts.
import { copyFileSync, existsSync, readFileSync } from "node:fs";

export function loadDevVars(root = process.cwd()) {
  const path = `${root}/.dev.vars`;
  if (!existsSync(path)) {
    copyFileSync(`${root}/.dev.vars.example`, path);
    console.log("Created .dev.vars from .dev.vars.example");
  }
  const vars = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}
