/**
 * The one 401 every tenant credential check throws: UNAUTHORIZED with a WWW-Authenticate challenge naming the
 * schemes the API accepts. The message may say what was wrong, never whether a key or account exists elsewhere.
 */
import { AppError } from "../runtime/errors";

const CHALLENGE = 'Bearer realm="hookgate", Basic realm="hookgate"';

export const unauthorized = (message: string): AppError =>
  new AppError("UNAUTHORIZED", message, undefined, { "WWW-Authenticate": CHALLENGE });
