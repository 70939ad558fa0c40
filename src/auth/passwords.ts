/**
 * Service-account passwords: PBKDF2-SHA256 with a random 16-byte salt and 100,000 iterations
 * (the most the Workers runtime allows). Verification compares in constant time; a sign-in for an email with
 * no account verifies against DUMMY_PASSWORD_HASH, so it costs the same PBKDF2 and its timing says nothing.
 */
import { fromBase64, randomBytes, toBase64 } from "../runtime/crypto";

const PBKDF2_ITERATIONS = 100_000;
const HASH_BITS = 256;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

/** Matches no password (and is only ever checked for an unknown email); same iterations as every new hash. */
export const DUMMY_PASSWORD_HASH: PasswordHash = Object.freeze({
  hash: toBase64(new Uint8Array(HASH_BITS / 8)),
  salt: toBase64(new Uint8Array(16)),
  iterations: PBKDF2_ITERATIONS,
});

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, HASH_BITS);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { hash: toBase64(await derive(password, salt, iterations)), salt: toBase64(salt), iterations };
}

export type PasswordVerifier = (password: string, stored: PasswordHash) => Promise<boolean>;

export const verifyPassword: PasswordVerifier = async (password, stored) => {
  const derived = await derive(password, fromBase64(stored.salt), stored.iterations);
  const expected = fromBase64(stored.hash);
  return derived.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(derived, expected);
};
