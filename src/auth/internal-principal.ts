/**
 * Requests the Worker sends to itself on behalf of an already-authenticated user (the portal calls the
 * tenant API in process). The principal is attached to the Request object in a WeakMap: only code inside
 * this isolate can add an entry, so nothing a client sends can forge it, and the entry dies with the request.
 */
import type { Principal } from "./principal";

const principals = new WeakMap<Request, Principal>();

export function actAs(request: Request, principal: Principal): Request {
  principals.set(request, principal);
  return request;
}

export const internalPrincipal = (request: Request): Principal | undefined => principals.get(request);
