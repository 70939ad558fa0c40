/**
 * Sealing secrets (docs/ARCHITECTURE.md, invariant 4): AES-256-GCM under MASTER_KEY with the tenant and the secret's
 * purpose as additional authenticated data, so a sealed value copied to another tenant or purpose fails
 * to open. Format: `v1.<iv base64>.<ciphertext+tag base64>`. During a MASTER_KEY rotation a value opens with
 * the current key or, failing that, the previous one; GCM's tag tells a wrong key apart, so the format needs
 * no key id. Pure apart from Web Crypto.
 */
import { fromBase64, randomBytes, toBase64 } from "../runtime/crypto";

const FORMAT_VERSION = "v1";

export interface SealContext {
  tenantId: string;
  purpose: string;
}

/** The keys that may open a sealed value: MASTER_KEY, and MASTER_KEY_PREVIOUS while a rotation is under way. */
export interface MasterKeys {
  current: CryptoKey;
  previous?: CryptoKey;
}

const aad = (context: SealContext): Uint8Array => new TextEncoder().encode(`${context.tenantId}\u0000${context.purpose}`);

const keys = new Map<string, Promise<CryptoKey>>();

/** Imports (once per isolate) the base64 MASTER_KEY as a non-extractable AES-GCM key. */
export function masterKey(base64: string): Promise<CryptoKey> {
  let key = keys.get(base64);
  if (!key) {
    key = crypto.subtle.importKey("raw", fromBase64(base64), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    keys.set(base64, key);
  }
  return key;
}

/** Imports the current and (when set) the previous base64 master key. */
export async function masterKeys(current: string, previous?: string): Promise<MasterKeys> {
  return previous ? { current: await masterKey(current), previous: await masterKey(previous) } : { current: await masterKey(current) };
}

export async function seal(key: CryptoKey, plaintext: string, context: SealContext): Promise<string> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(context) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `${FORMAT_VERSION}.${toBase64(iv)}.${toBase64(ciphertext)}`;
}

class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

function parse(sealed: string): { iv: Uint8Array; ciphertext: Uint8Array } {
  const [version, iv, ciphertext, extra] = sealed.split(".");
  if (version !== FORMAT_VERSION || !iv || !ciphertext || extra !== undefined) throw new SealedSecretError("Unknown sealed secret format");
  try {
    return { iv: fromBase64(iv), ciphertext: fromBase64(ciphertext) };
  } catch {
    throw new SealedSecretError("Unknown sealed secret format");
  }
}

/** The plaintext, or null when this key (or the AAD) does not match: GCM's tag check fails. */
async function decryptWith(key: CryptoKey, parts: { iv: Uint8Array; ciphertext: Uint8Array }, context: SealContext): Promise<string | null> {
  try {
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: parts.iv, additionalData: aad(context) }, key, parts.ciphertext);
    return new TextDecoder().decode(plaintext);
  } catch {
    return null;
  }
}

interface OpenedSecret {
  plaintext: string;
  sealedWith: "current" | "previous";
}

/** Opens a sealed value with the current key, then the previous one; says which key opened it. */
async function openSealed(keys: MasterKeys, sealed: string, context: SealContext): Promise<OpenedSecret> {
  const parts = parse(sealed);
  const current = await decryptWith(keys.current, parts, context);
  if (current !== null) return { plaintext: current, sealedWith: "current" };
  const previous = keys.previous ? await decryptWith(keys.previous, parts, context) : null;
  if (previous !== null) return { plaintext: previous, sealedWith: "previous" };
  throw new SealedSecretError("Sealed secret does not open for this tenant and purpose");
}

/** Opens a sealed value with one key, or with the current and previous keys of a rotation. */
export async function unseal(keys: CryptoKey | MasterKeys, sealed: string, context: SealContext): Promise<string> {
  const ring = keys instanceof CryptoKey ? { current: keys } : keys;
  return (await openSealed(ring, sealed, context)).plaintext;
}

export type ResealOutcome = { kind: "current" } | { kind: "resealed"; sealed: string } | { kind: "failed" };

/**
 * What a rotation does with one sealed value: nothing when the current key opens it, a fresh seal under the
 * current key when only the previous key does, and "failed" when neither does (or it is not a sealed value).
 */
export async function resealValue(keys: MasterKeys, sealed: string, context: SealContext): Promise<ResealOutcome> {
  let opened: OpenedSecret;
  try {
    opened = await openSealed(keys, sealed, context);
  } catch (error) {
    if (error instanceof SealedSecretError) return { kind: "failed" };
    throw error;
  }
  if (opened.sealedWith === "current") return { kind: "current" };
  return { kind: "resealed", sealed: await seal(keys.current, opened.plaintext, context) };
}

/** What every API shows instead of a secret. */
export const MASKED_SECRET = "********";
