import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** pages.test.ts last: its screenshots then show the data the flow tests created. */
class ScreenshotsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const last = (file: TestSpecification) => (file.moduleId.endsWith("/pages.test.ts") ? 1 : 0);
    return [...files].sort((a, b) => last(a) - last(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// The real-browser portal tests: Node (not workerd), one `wrangler dev` for the run (test-browser/global-setup.ts),
// Debian's chromium driven by playwright-core. Files run one after another, tests in a file in order: they share
// the one seeded demo tenant.
export default defineConfig({
  test: {
    include: ["test-browser/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    sequence: { concurrent: false, sequencer: ScreenshotsLast },
    globalSetup: ["./test-browser/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report is what .ci/run counts, next to the workerd suite's test/artifacts/vitest.json.
    reporters: ["default", ["json", { outputFile: "test/artifacts/vitest-browser.json" }]],
  },
});
