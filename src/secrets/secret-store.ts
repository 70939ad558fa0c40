/**
 * Sealed secrets in Workers KV. D1 rows keep only the reference (`secret:<tenant>:<purpose>:<id>`);
 * the value sits in KV sealed with seal.ts. The reference embeds tenant and purpose, which are also the AAD,
 * so a reference from another tenant cannot be opened here. Also the MASTER_KEY rotation walk (resealSecrets).
 */
import { masterKeys, resealValue, seal, unseal, type MasterKeys, type ResealOutcome, type SealContext } from "./seal";
import { newId } from "../runtime/crypto";

export type SecretRef = string;

/** Every secret's KV key starts with this; nothing else in the namespace does. */
export const SECRET_REF_PREFIX = "secret:";

/** Base64 master keys: MASTER_KEY and, during a rotation, MASTER_KEY_PREVIOUS. */
export interface MasterKeyConfig {
  current: string;
  previous?: string;
}

const refFor = (context: SealContext, id: string): SecretRef => `${SECRET_REF_PREFIX}${context.tenantId}:${context.purpose}:${id}`;

function contextOf(ref: SecretRef): SealContext {
  const [kind, tenantId, purpose] = ref.split(":");
  if (kind !== "secret" || !tenantId || !purpose) throw new Error("Not a secret reference");
  return { tenantId, purpose };
}

export class SecretStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly keys: MasterKeyConfig,
  ) {}

  /** Seals (always under the current key) and stores a new secret; returns its reference. */
  async put(context: SealContext, value: string): Promise<SecretRef> {
    const ref = refFor(context, newId("sec"));
    const { current } = await masterKeys(this.keys.current);
    await this.kv.put(ref, await seal(current, value, context));
    return ref;
  }

  /** Opens a secret the given tenant owns (current key first, then the previous one); null when it does not exist. */
  async get(tenantId: string, ref: SecretRef): Promise<string | null> {
    const context = contextOf(ref);
    if (context.tenantId !== tenantId) throw new Error("Secret reference belongs to another tenant");
    const sealed = await this.kv.get(ref);
    return sealed === null ? null : unseal(await masterKeys(this.keys.current, this.keys.previous), sealed, context);
  }

  async delete(tenantId: string, ref: SecretRef): Promise<void> {
    if (contextOf(ref).tenantId !== tenantId) throw new Error("Secret reference belongs to another tenant");
    await this.kv.delete(ref);
  }
}

/** The store for a Worker's env; an empty MASTER_KEY_PREVIOUS counts as unset. */
export const secretStore = (env: { SECRETS: KVNamespace; MASTER_KEY: string; MASTER_KEY_PREVIOUS?: string }): SecretStore =>
  new SecretStore(env.SECRETS, { current: env.MASTER_KEY, previous: env.MASTER_KEY_PREVIOUS || undefined });

/**
 * One call's share of the walk. A Worker invocation may make 1,000 KV operations; a page of 500 costs one
 * list, five bulk reads and at most 500 writes.
 */
export const MAX_RESEAL_PAGE = 500;
const BULK_READ = 100;

export interface ResealReport {
  resealed: number;
  alreadyCurrent: number;
  failed: number;
  /** Pass back to continue the walk; null when this page was the last. */
  cursor: string | null;
  /** The references counted in `failed`, for the operator's log (references are identifiers, not secrets). */
  failedRefs: string[];
}

export interface ResealOptions {
  cursor?: string;
  limit?: number;
  /** Narrows the walk below `secret:` (one tenant: `secret:<tenantId>:`). */
  prefix?: string;
}

/** A KV key under `secret:` that is not a well-formed reference has no context to open it with. */
function resealRef(keys: MasterKeys, ref: string, sealed: string): Promise<ResealOutcome> {
  let context: SealContext;
  try {
    context = contextOf(ref);
  } catch {
    return Promise.resolve({ kind: "failed" });
  }
  return resealValue(keys, sealed, context);
}

/**
 * Re-seals under the current key every secret of one KV list page that opens only with the previous key.
 * Values that open with neither key are counted as failed and left untouched; values already under the
 * current key are not rewritten, so running it again is safe.
 */
export async function resealSecrets(kv: KVNamespace, keyConfig: MasterKeyConfig, options: ResealOptions = {}): Promise<ResealReport> {
  const prefix = options.prefix ?? SECRET_REF_PREFIX;
  if (!prefix.startsWith(SECRET_REF_PREFIX)) throw new Error(`Reseal prefix must start with ${SECRET_REF_PREFIX}`);
  const keys = await masterKeys(keyConfig.current, keyConfig.previous);
  const page = await kv.list({ prefix, cursor: options.cursor, limit: Math.min(options.limit ?? MAX_RESEAL_PAGE, MAX_RESEAL_PAGE) });
  const report: ResealReport = { resealed: 0, alreadyCurrent: 0, failed: 0, cursor: page.list_complete ? null : page.cursor, failedRefs: [] };
  for (let start = 0; start < page.keys.length; start += BULK_READ) {
    const listed = page.keys.slice(start, start + BULK_READ);
    const values = await kv.get(listed.map((key) => key.name), "text");
    for (const key of listed) {
      const sealed = values.get(key.name);
      // Deleted since the list: nothing left to rotate.
      if (sealed === null || sealed === undefined) continue;
      const outcome = await resealRef(keys, key.name, sealed);
      if (outcome.kind === "current") report.alreadyCurrent++;
      else if (outcome.kind === "failed") {
        report.failed++;
        report.failedRefs.push(key.name);
      } else {
        // KV has no compare-and-set: a secret deleted between the read and this write comes back as an
        // unreferenced sealed value, which is harmless.
        await kv.put(key.name, outcome.sealed);
        report.resealed++;
      }
    }
  }
  return report;
}
