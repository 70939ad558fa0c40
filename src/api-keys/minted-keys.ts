/**
 * Which keys a key minted: those it created itself or in a portal session it signed in to, then the ones
 * those created, and so on. A cascading revocation (api-key-store.ts) revokes them with it, so a leaked key
 * leaves no key behind that it made. Pure.
 */
import { createdByKey } from "../audit/actor";

interface KeyOrigin {
  id: string;
  createdBy: string | null;
}

/** Ids of every key `rootId` minted, directly or through keys it minted, in the order they were reached. */
export function keysMintedBy(keys: readonly KeyOrigin[], rootId: string): string[] {
  const children = new Map<string, string[]>();
  for (const key of keys) {
    if (key.createdBy === null) continue;
    children.set(key.createdBy, [...(children.get(key.createdBy) ?? []), key.id]);
  }
  const reached = new Set<string>([rootId]);
  const queue = [rootId];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const child of createdByKey(parent).flatMap((createdBy) => children.get(createdBy) ?? [])) {
      if (reached.has(child)) continue;
      reached.add(child);
      queue.push(child);
    }
  }
  reached.delete(rootId);
  return [...reached];
}
