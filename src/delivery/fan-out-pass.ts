/**
 * One fan-out pass of a tenant's engine: turns committed events past the cursor into deliveries (with the new
 * cursor, in one storage transaction), caps what held subscriptions keep, and mirrors the cursor into D1.
 */
import { recordInstanceId } from "../records/record-instance-id";
import { planLifecycleDeliveries, unsentPasswordRef } from "../lifecycle/post-hooks";
import { planFanOut, type PlannedDelivery } from "./fan-out";
import type { DeliveryStore } from "./delivery-store";
import type { EnginePorts } from "./engine-ports";
import type { StreamHeads } from "./stream-heads";
import type { SealedPasswords } from "./sealed-passwords";
import { holds } from "./subscription-holds";

const EVENT_PAGE = 100;

/** What a fan-out pass uses of the drain it belongs to. */
export interface FanOutHost {
  ports: EnginePorts;
  store(): DeliveryStore;
  heldCap(): number;
  passwords: SealedPasswords;
  heads: StreamHeads;
  /** Drain.addWork: stores open work behind the watchdog. */
  addWork<T>(store: () => T): Promise<T>;
}

export class FanOutPass {
  /** The cursor as this instance last mirrored it into D1. */
  private mirroredCursor: number | null = null;

  constructor(private readonly host: FanOutHost) {}

  /** Fans out every event past the cursor; returns how many events it read. */
  async run(tenantId: string): Promise<number> {
    const { ports, heads } = this.host;
    const controlPlane = ports.controlPlane;
    const now = () => ports.clock.now();
    let read = 0;
    controlPlane.forget();
    for (;;) {
      const { events: page, more } = await controlPlane.eventsAfter(tenantId, this.host.store().cursor(), EVENT_PAGE);
      const last = page[page.length - 1];
      if (!last) break;
      const subscriptionsById = await controlPlane.subscriptions(tenantId);
      const active = [...subscriptionsById.values()];
      const lifecycle = await controlPlane.lifecycleConfig(tenantId);
      const tenantBaseUrl = await controlPlane.tenantBaseUrl(tenantId);
      const definitions = await controlPlane.formDefinitions(tenantId);
      const planned: PlannedDelivery[] = [];
      for (const event of page) {
        // An erased record's event is a tombstone: nothing of it is sent.
        if (event.erasedAt !== null) continue;
        const instanceId = await recordInstanceId(tenantId, event.form, event.recordId);
        const hooks = planLifecycleDeliveries(event, lifecycle);
        const attachments = await controlPlane.attachmentsOf(event);
        planned.push(...planFanOut(event, active, { instanceId, tenantBaseUrl, attachments }, { definitions }), ...hooks);
        // A password no hook is to receive (its hook was disabled since) is not kept.
        this.host.passwords.release(tenantId, event.seq, unsentPasswordRef(event, hooks));
      }
      // Filtered when stored, not when read: a record erased after this page was read leaves nothing behind.
      const unerased = () => planned.filter((delivery) => !this.host.store().erased.has(delivery.eventSeq));
      const heldIds = new Set(planned.map((delivery) => delivery.subscriptionId).filter((id) => holds(subscriptionsById.get(id))));
      const store = () =>
        ports.storage.transactionSync(() => {
          const deliveryStore = this.host.store();
          const stored = deliveryStore.addFanOut(unerased(), last.seq, now());
          let dropped = 0;
          for (const id of heldIds) dropped += deliveryStore.capHeld(id, this.host.heldCap(), now());
          return { stored, dropped };
        });
      const { stored, dropped } = planned.length > 0 ? await this.host.addWork(store) : store();
      // Deliveries the cap dropped may be anywhere in the view (held heads included): read it again.
      if (dropped > 0) heads.invalidate();
      else heads.noteAppended(stored);
      read += page.length;
      // A page may be short because it is bounded by bytes too: the feed says whether more follow.
      if (!more) break;
    }
    // Mirrored whenever it differs from what this instance last wrote, not only after a read: a mirror write
    // that failed, or an instance that starts ahead of D1, is put right at the next wake-up.
    const cursor = this.host.store().cursor();
    if (cursor !== this.mirroredCursor) {
      await controlPlane.saveCursor(tenantId, cursor);
      this.mirroredCursor = cursor;
    }
    return read;
  }
}
