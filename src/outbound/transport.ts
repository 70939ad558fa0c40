/**
 * The one door outbound HTTP leaves through. Production uses the runtime's fetch; tests point it at an
 * in-process receiver that records what it got, in order (STYLE.md: "outbound receivers are real local
 * handlers"). Nothing else in the engine calls fetch directly.
 */
/** Sent on every outbound request: callbacks, token endpoints and lifecycle hooks. */
export const USER_AGENT = "Hookgate/0.1";

export type Transport = (request: Request) => Promise<Response>;

/**
 * workerd reports a failed connection (an unknown host, a refused or reset connection) only as "internal error;
 * reference = …", which tells a tenant nothing in an attempt log or a hook test; that case is named by its host.
 */
const runtimeFetch: Transport = async (request) => {
  try {
    return await fetch(request);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("internal error")) {
      throw new Error(`Could not connect to ${new URL(request.url).host} (unknown host, connection refused or reset)`, { cause: error });
    }
    throw error;
  }
};
let current: Transport = runtimeFetch;

export const sendOutbound: Transport = (request) => current(request);

/** Routes outbound requests to `transport` until the returned function restores the previous one. */
export function useTransport(transport: Transport): () => void {
  const previous = current;
  current = transport;
  return () => {
    current = previous;
  };
}
