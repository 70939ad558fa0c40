/**
 * Sealed secrets in Workers KV. D1 rows keep only the reference (`secret:<tenant>:<purpose>:<id>`);
 * the value sits in KV sealed with seal.ts. The reference embeds tenant and purpose, which are also the AAD,
 * so a reference from another tenant cannot be opened here.
 */
import { masterKey, seal, unseal, type SealContext } from "./seal";
import { newId } from "../auth/crypto";

export type SecretRef = string;

const refFor = (context: SealContext, id: string): SecretRef => `secret:${context.tenantId}:${context.purpose}:${id}`;

function contextOf(ref: SecretRef): SealContext {
  const [kind, tenantId, purpose] = ref.split(":");
  if (kind !== "secret" || !tenantId || !purpose) throw new Error("Not a secret reference");
  return { tenantId, purpose };
}

export class SecretStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly masterKeyBase64: string,
  ) {}

  /** Seals and stores a new secret; returns its reference. */
  async put(context: SealContext, value: string): Promise<SecretRef> {
    const ref = refFor(context, newId("sec"));
    await this.kv.put(ref, await seal(await masterKey(this.masterKeyBase64), value, context));
    return ref;
  }

  /** Opens a secret the given tenant owns; null when it does not exist. */
  async get(tenantId: string, ref: SecretRef): Promise<string | null> {
    const context = contextOf(ref);
    if (context.tenantId !== tenantId) throw new Error("Secret reference belongs to another tenant");
    const sealed = await this.kv.get(ref);
    return sealed === null ? null : unseal(await masterKey(this.masterKeyBase64), sealed, context);
  }

  async delete(tenantId: string, ref: SecretRef): Promise<void> {
    if (contextOf(ref).tenantId !== tenantId) throw new Error("Secret reference belongs to another tenant");
    await this.kv.delete(ref);
  }
}

export const secretStore = (env: { SECRETS: KVNamespace; MASTER_KEY: string }): SecretStore =>
  new SecretStore(env.SECRETS, env.MASTER_KEY);
