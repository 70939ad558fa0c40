// `npm run screenshots`: runs the browser suite, which saves every portal page at 1440 and 375 px under
// test/artifacts/screenshots/ (git-ignored), and copies the README's pictures (viewport-sized) into
// docs/screenshots/, which is committed.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const from = join("test", "artifacts", "screenshots", "readme");
const to = join("docs", "screenshots");
// Both sets are rebuilt whole, so a picture the tests no longer take does not linger.
rmSync(from, { recursive: true, force: true });
execFileSync("vitest", ["run", "-c", "vitest.browser.config.ts"], { stdio: "inherit" });
mkdirSync(to, { recursive: true });
for (const file of readdirSync(to).filter((name) => name.endsWith(".png"))) rmSync(join(to, file));
for (const file of readdirSync(from).filter((name) => name.endsWith(".png")).sort()) {
  copyFileSync(join(from, file), join(to, file));
  console.log(`${join(to, file)}  ${Math.round(statSync(join(to, file)).size / 1024)} KiB`);
}
