/**
 * Signing in with a service account's email and password, wherever it happens (Basic on the API, the AR-JWT
 * login, the portal): under the sign-in throttle (throttled-sign-in.ts), and one PBKDF2 whether or not the
 * email has a live account, so neither the answer nor its timing says which emails exist.
 */
import type { Database } from "../db/client";
import type { Principal } from "./principal";
import { DUMMY_PASSWORD_HASH, verifyPassword, type PasswordVerifier } from "./passwords";
import { findLiveServiceAccount } from "./service-account-store";
import { accountKey, addressKey } from "./sign-in-throttle";
import { throttledSignIn } from "./throttled-sign-in";
import { unauthorized } from "./unauthorized";

export interface PasswordSignIn {
  tenantId: string;
  email: string;
  password: string;
  /** The client's `CF-Connecting-IP`. */
  connectingIp: string | undefined;
}

export interface PasswordSignInPorts {
  now: number;
  /** The password check; tests count its calls. */
  verify: PasswordVerifier;
}

export async function passwordSignIn(
  db: Database,
  signIn: PasswordSignIn,
  ports: PasswordSignInPorts = { now: Date.now(), verify: verifyPassword },
): Promise<Principal> {
  const email = signIn.email.trim().toLowerCase();
  const keys = { address: addressKey(signIn.tenantId, signIn.connectingIp), account: accountKey(signIn.tenantId, email) };
  return throttledSignIn(db, keys, ports.now, async () => {
    const account = await findLiveServiceAccount(db, signIn.tenantId, email);
    const stored = account ? { hash: account.passwordHash, salt: account.salt, iterations: account.iterations } : DUMMY_PASSWORD_HASH;
    const matches = await ports.verify(signIn.password, stored);
    if (!account || !matches) throw unauthorized("Service account email or password is wrong");
    return { kind: "service_account", id: account.id, tenantId: signIn.tenantId, scopes: account.scopes };
  });
}
