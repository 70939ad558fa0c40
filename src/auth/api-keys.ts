/**
 * Tenant API keys. A key is `hg_` + 192 random bits (base64url). Only its SHA-256 hash is stored:
 * in D1 (the management view) and as the KV lookup entry `apikey:<hash>` that inbound requests authenticate by.
 */
import { randomBytes, sha256Hex, toBase64Url } from "../runtime/crypto";

const API_KEY_PREFIX = "hg_";
const KV_PREFIX = "apikey:";

interface ApiKeyLookup {
  tenantId: string;
  keyId: string;
  scopes: string[];
}

interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export async function generateApiKey(): Promise<GeneratedApiKey> {
  const key = API_KEY_PREFIX + toBase64Url(randomBytes(24));
  return describeApiKey(key);
}

/** Hash and display prefix of a given plaintext key (used for generated keys and the seeded demo key). */
async function describeApiKey(key: string): Promise<GeneratedApiKey> {
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: await sha256Hex(key) };
}

const apiKeyKvKey = (hash: string): string => KV_PREFIX + hash;

export async function putApiKeyLookup(kv: KVNamespace, hash: string, lookup: ApiKeyLookup): Promise<void> {
  await kv.put(apiKeyKvKey(hash), JSON.stringify(lookup));
}

export async function findApiKeyLookup(kv: KVNamespace, hash: string): Promise<ApiKeyLookup | null> {
  return kv.get<ApiKeyLookup>(apiKeyKvKey(hash), "json");
}

export async function deleteApiKeyLookup(kv: KVNamespace, hash: string): Promise<void> {
  await kv.delete(apiKeyKvKey(hash));
}
