/**
 * Runs before every test file. One workerd serves all the files of a run (vitest.config.ts: isolate: false), so
 * each file first wipes every binding's storage and then rebuilds the three databases: every file still starts on
 * empty databases and no Durable Objects, as when each file had a workerd of its own.
 */
import { applyD1Migrations, env, reset } from "cloudflare:test";
import { type AppliedSchema, emptyDatabase, readSchema, replaySchema } from "./schema-snapshot";

// Outlives this module (the setup file is evaluated again for each file; the isolate and its globals stay).
const globals = globalThis as { hookgateTestSchemas?: AppliedSchema[] };

await reset();
const databases = [env.DB, env.SHARD_0, env.SHARD_1];
await Promise.all(databases.map(emptyDatabase));
const schemas = globals.hookgateTestSchemas;
if (schemas === undefined) {
  // The run's first file applies every migration to every database (the control plane and each shard), exactly as
  // production does; a broken migration fails here. Later files replay the schema those migrations left
  // (test/db/schema-snapshot.test.ts checks that the two agree).
  for (const database of databases) await applyD1Migrations(database, env.TEST_MIGRATIONS);
  globals.hookgateTestSchemas = await Promise.all(databases.map(readSchema));
} else {
  await Promise.all(databases.map((database, index) => replaySchema(database, schemas[index]!)));
}
