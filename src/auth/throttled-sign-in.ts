/**
 * Runs one sign-in under the throttle (sign-in-throttle.ts), the same for the AR-JWT login, Basic on the API
 * and the portal: while a counter covering it is over the limit the sign-in is refused with 429 RATE_LIMITED and
 * `Retry-After` without checking the credential; a credential that fails (UNAUTHORIZED) counts on every
 * counter; a success clears the account's counter (and is not counted on the address's, which others share).
 */
import type { Database } from "../db/client";
import { AppError } from "../runtime/errors";
import { refusal, type Refusal } from "./sign-in-throttle";
import { acceptSignIn, recordFailures, releaseAttempts } from "./sign-in-failure-store";

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

/**
 * Counts the attempt first, then checks the credential: racing attempts each see the count that includes them,
 * so however many arrive at once, at most MAX_SIGN_IN_FAILURES credentials are checked per window. An attempt
 * that is refused, or whose credential turns out right, takes its count back where it is not a failure.
 */
export async function throttledSignIn<T>(db: Database, keys: ThrottleKeys, now: number, attempt: () => Promise<T>): Promise<T> {
  const all = keys.account === undefined ? [keys.address] : [keys.address, keys.account];
  const counted = await recordFailures(db, all, now);
  // The rule judges the failures before this attempt.
  const refused = refusal(
    counted.map((count) => ({ ...count, failures: count.failures - 1 })),
    now,
  );
  if (refused) {
    // A refused attempt stays counted on the counters that refused it, never on the others: a throttled address
    // cannot push other accounts towards their limit.
    await releaseAttempts(db, all.filter((key) => !refused.keys.includes(key)));
    throw rateLimited(refused);
  }
  let signedIn: T;
  try {
    signedIn = await attempt();
  } catch (error) {
    // A wrong credential is the failure already counted; anything else (an outage) was no guess.
    if (!(error instanceof AppError && error.code === "UNAUTHORIZED")) await releaseAttempts(db, all);
    throw error;
  }
  await acceptSignIn(db, keys.address, keys.account);
  return signedIn;
}
