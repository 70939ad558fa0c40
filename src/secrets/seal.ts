/**
 * Sealing secrets (DESIGN.md invariant 4): AES-256-GCM under MASTER_KEY with the tenant and the secret's
 * purpose as additional authenticated data, so a sealed value copied to another tenant or purpose fails
 * to open. Format: `v1.<iv base64>.<ciphertext+tag base64>`. Pure apart from Web Crypto.
 */
import { fromBase64, randomBytes, toBase64 } from "../auth/crypto";

const FORMAT_VERSION = "v1";

export interface SealContext {
  tenantId: string;
  purpose: string;
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

export async function seal(key: CryptoKey, plaintext: string, context: SealContext): Promise<string> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(context) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `${FORMAT_VERSION}.${toBase64(iv)}.${toBase64(ciphertext)}`;
}

export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

export async function unseal(key: CryptoKey, sealed: string, context: SealContext): Promise<string> {
  const [version, iv, ciphertext] = sealed.split(".");
  if (version !== FORMAT_VERSION || !iv || !ciphertext) throw new SealedSecretError("Unknown sealed secret format");
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv), additionalData: aad(context) },
      key,
      fromBase64(ciphertext),
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new SealedSecretError("Sealed secret does not open for this tenant and purpose");
  }
}

/** What every API shows instead of a secret. */
export const MASKED_SECRET = "********";
