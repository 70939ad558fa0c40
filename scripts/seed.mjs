// Seeds the demo tenant `acme` into the LOCAL D1 and KV state: tenant, a fixed development API key (hash only)
// and a service account. Idempotent. Used by `npm run dev` and `npm run bench`.
import { createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const wrangler = (args, extra = []) =>
  execFileSync("wrangler", [...args, ...extra], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

/** Every D1 binding in wrangler.toml: DB (the control plane) and each SHARD_<n> (the data plane) get every migration. */
export function databaseBindings(configPath = "wrangler.toml") {
  const bindings = [...readFileSync(configPath, "utf8").matchAll(/^binding\s*=\s*"((?:DB|SHARD_\d+))"/gm)].map((match) => match[1]);
  return bindings.length > 0 ? bindings : ["DB"];
}

export function applyMigrations(persistArgs = []) {
  const config = persistArgs[persistArgs.indexOf("-c") + 1];
  const bindings = persistArgs.includes("-c") ? databaseBindings(config) : databaseBindings();
  for (const binding of bindings) wrangler(["d1", "migrations", "apply", binding, "--local"], persistArgs);
}

const sqlString = (value) => `'${String(value).replace(/'/g, "''")}'`;

export function seedDemoTenant(vars, persistArgs = []) {
  const apiKey = vars.DEMO_API_KEY;
  if (!apiKey || !apiKey.startsWith("hg_")) throw new Error(".dev.vars must set DEMO_API_KEY (starting with hg_)");
  const hash = createHash("sha256").update(apiKey).digest("hex");
  const now = Date.now();
  const scopes = JSON.stringify(["tickets", "hr", "api"]);
  const statements = [
    `INSERT OR IGNORE INTO tenants (id, slug, name, status, created_at, updated_at) VALUES ('ten_demo_acme', 'acme', 'Acme (demo)', 'active', ${now}, ${now});`,
    `INSERT OR IGNORE INTO api_keys (id, tenant_id, name, prefix, hash, scopes, created_at) VALUES ('key_demo_acme', 'ten_demo_acme', 'demo', ${sqlString(apiKey.slice(0, 9))}, ${sqlString(hash)}, ${sqlString(scopes)}, ${now});`,
  ];
  const email = vars.DEMO_SERVICE_ACCOUNT_EMAIL;
  const password = vars.DEMO_SERVICE_ACCOUNT_PASSWORD;
  if (email && password) {
    const salt = randomBytes(16);
    const derived = pbkdf2Sync(password, salt, 100_000, 32, "sha256");
    statements.push(
      `INSERT OR IGNORE INTO service_accounts (id, tenant_id, email, password_hash, salt, iterations, scopes, created_at) VALUES ('sa_demo_acme', 'ten_demo_acme', ${sqlString(email.toLowerCase())}, ${sqlString(derived.toString("base64"))}, ${sqlString(salt.toString("base64"))}, 100000, ${sqlString(scopes)}, ${now});`,
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), "hookgate-seed-")), "seed.sql");
  writeFileSync(file, statements.join("\n"));
  wrangler(["d1", "execute", "DB", "--local", "--file", file], persistArgs);
  const lookup = JSON.stringify({ tenantId: "ten_demo_acme", keyId: "key_demo_acme", scopes: JSON.parse(scopes) });
  wrangler(["kv", "key", "put", `apikey:${hash}`, lookup, "--binding", "SECRETS", "--local"], persistArgs);
}
