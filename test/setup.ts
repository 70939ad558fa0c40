import { applyD1Migrations, env } from "cloudflare:test";

// Idempotent: applyD1Migrations records what it applied, so every test file may run it. Every database (the
// control plane and each shard) gets every migration, as in production.
for (const database of [env.DB, env.SHARD_0, env.SHARD_1]) await applyD1Migrations(database, env.TEST_MIGRATIONS);
