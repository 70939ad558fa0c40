import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the real bindings from wrangler.toml (D1, KV, Queue, Durable Objects).
// Migrations are read here and applied by test/setup.ts; secrets are fixed test values.
const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ENVIRONMENT: "test",
          BASE_DOMAIN: "hookgate.test",
          ADMIN_TOKEN: "test-admin-token-0123456789",
          MASTER_KEY: "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=",
          TEST_MIGRATIONS: migrations,
        },
        // Low enough for a test to reach in a moment, high enough that no other test's tenant gets near it. Tests
        // send no CF-Connecting-IP unless they mean to, so a tenant's requests share one anonymous key: that limit
        // stays above the tenant's, for tests that reach the tenant limit from one address.
        ratelimits: {
          INBOUND_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 40, period: 60 } },
          ANONYMOUS_RATE_LIMITER: { namespace_id: "1002", simple: { limit: 50, period: 60 } },
        },
      },
    }),
  ],
  test: {
    // One workerd and one module graph for the whole run: a fresh workerd per file (the default) cost ~5 s a file
    // to start and to import the app again. test/setup.ts wipes all storage before each file instead, so files
    // still start on empty databases.
    isolate: false,
    setupFiles: ["./test/setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    // Structured request logs are noise when a test passes; they print for failing tests.
    silent: "passed-only",
    // The JSON report is what .ci/run counts; the default reporter is what people read.
    reporters: ["default", ["json", { outputFile: "test/artifacts/vitest.json" }]],
  },
});
