/**
 * Test files after a run's first start from a schema replayed in one batch (test/setup.ts, test/schema-snapshot.ts).
 * Applying every migration in order, as production does, must give exactly that schema, on every database.
 */
import { applyD1Migrations, env, reset } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyDatabase, readSchema } from "../schema-snapshot";

describe("the schema every test file starts from", () => {
  it("is what applying each migration in order gives, on the control plane and on each shard", async () => {
    const databases = [env.DB, env.SHARD_0, env.SHARD_1];
    const current = await Promise.all(databases.map(readSchema));
    await reset();
    for (const database of databases) await emptyDatabase(database);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'tenants'").first("n")).toBe(0);
    for (const database of databases) await applyD1Migrations(database, env.TEST_MIGRATIONS);
    const migrated = await Promise.all(databases.map(readSchema));
    expect(current).toEqual(migrated);
    for (const schema of migrated) {
      expect(schema.migrations).toEqual(env.TEST_MIGRATIONS.map((migration) => migration.name));
      expect(schema.statements.some((sql) => sql.startsWith("CREATE TABLE `tenants`"))).toBe(true);
    }
  });
});
