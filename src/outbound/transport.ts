/**
 * The one door outbound HTTP leaves through. Production uses the runtime's fetch; tests point it at an
 * in-process receiver that records what it got, in order (STYLE.md: "outbound receivers are real local
 * handlers"). Nothing else in the engine calls fetch directly.
 */
/** Sent on every outbound request: callbacks, token endpoints and lifecycle hooks. */
export const USER_AGENT = "Hookgate/0.1";

export type Transport = (request: Request) => Promise<Response>;

const runtimeFetch: Transport = (request) => fetch(request);
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
