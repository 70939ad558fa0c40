import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The files that walk every page run last, in this order, so they see (and screenshot) what the flow tests created. */
const LAST = ["/path-form.test.ts", "/pages.test.ts"];
class PageWalkersLast extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const rank = (file: TestSpecification) => LAST.findIndex((name) => file.moduleId.endsWith(name));
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// The real-browser portal tests: Node (not workerd), one `wrangler dev` for the run (test-browser/global-setup.ts),
// Debian's chromium driven by playwright-core. Files run one after another, tests in a file in order: they share
// the one seeded demo tenant. test-browser/cli/ runs the developer CLI as a child process against the same gateway.
export default defineConfig({
  test: {
    include: ["test-browser/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    sequence: { concurrent: false, sequencer: PageWalkersLast },
    globalSetup: ["./test-browser/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report is what .ci/run counts, next to the workerd suite's test/artifacts/vitest.json.
    reporters: ["default", ["json", { outputFile: "test/artifacts/vitest-browser.json" }]],
  },
});
