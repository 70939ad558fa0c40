/**
 * Runs one sign-in under the throttle (sign-in-throttle.ts), the same for the AR-JWT login, Basic on the API
 * and the portal: while a counter covering it is over the limit the sign-in is refused with 429 RATE_LIMITED and
 * `Retry-After` without checking the credential; a credential that fails (UNAUTHORIZED) counts on every
 * counter; a success clears the account's counter (not the address's, which other accounts share).
 */
import type { Database } from "../db/client";
import { AppError } from "../runtime/errors";
import { refusal, type Refusal } from "./sign-in-throttle";
import { clearFailures, readFailureCounts, recordFailures } from "./sign-in-failure-store";

/** The counters that cover one sign-in: the client address, and the account when the credential names one. */
export interface ThrottleKeys {
  address: string;
  account?: string;
}

function rateLimited(refused: Refusal): AppError {
  const minutes = Math.ceil(refused.retryAfterSeconds / 60);
  return new AppError(
    "RATE_LIMITED",
    `Too many failed sign-ins for this account or from this address; try again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}`,
    undefined,
    { "Retry-After": String(refused.retryAfterSeconds) },
  );
}

export async function throttledSignIn<T>(db: Database, keys: ThrottleKeys, now: number, attempt: () => Promise<T>): Promise<T> {
  const all = keys.account === undefined ? [keys.address] : [keys.address, keys.account];
  const counts = await readFailureCounts(db, all);
  const refused = refusal(counts, now);
  if (refused) {
    // A refused attempt counts on the counters that refused it (their windows do not move), never on the others:
    // a throttled address cannot push other accounts towards their limit.
    await recordFailures(db, refused.keys, now);
    throw rateLimited(refused);
  }
  let signedIn: T;
  try {
    signedIn = await attempt();
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") await recordFailures(db, all, now);
    throw error;
  }
  if (keys.account !== undefined && counts.some((count) => count.key === keys.account)) await clearFailures(db, keys.account);
  return signedIn;
}
