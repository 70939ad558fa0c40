/**
 * The drain's cache of every stream's head, so a drain does not read all heads again after each send: only
 * the streams whose send finished are read again, and a closed head's successor usually comes from a
 * look-ahead already read. The store stays the truth; this is a view of it that the drain keeps current.
 */
import type { DeliveryRow, DeliveryStore } from "./delivery-store";
import type { PlannedDelivery } from "./fan-out";

/** Open deliveries read ahead of a stream's head at once, so a backlog is not read back one row per send. */
const STREAM_LOOKAHEAD = 64;

export class StreamHeads {
  /**
   * Every stream's head, by stream key; null when it must be read again in full (a new drain, a fan-out, an
   * operator's replay or skip). Between full reads only the streams in `changedStreams` (a send of theirs
   * finished) are read again, each by one index seek, instead of every stream's head.
   */
  private heads: Map<string, DeliveryRow> | null = null;
  private readonly changedStreams = new Set<string>();
  /**
   * Per stream, the open deliveries behind its head in stream order, as last read (at most STREAM_LOOKAHEAD),
   * valid while `heads` is: when a head is closed (delivered, skipped, dead and not blocking) the next one
   * comes from here instead of another read.
   */
  private readonly upcoming = new Map<string, DeliveryRow[]>();
  /** Deliveries closed since the drain last looked at their stream (see noteFinished()). */
  private readonly closedSinceLook = new Set<string>();

  /** Forgets the view: the next current() reads every head again. */
  invalidate(): void {
    this.heads = null;
  }

  /**
   * Every stream's head, as store.streamHeads() gives it: read in full when the view was invalidated, else
   * only the streams whose send finished since the last call are read again (only a stream's own send changes
   * its head while a drain runs; anything else invalidates the whole view).
   */
  current(store: DeliveryStore): DeliveryRow[] {
    if (this.heads === null) {
      this.changedStreams.clear();
      this.upcoming.clear();
      this.closedSinceLook.clear();
      this.heads = new Map(store.streamHeads().map((head) => [head.stream_key, head]));
    } else {
      for (const key of this.changedStreams) {
        const head = this.nextHead(store, key, this.heads.get(key));
        if (head) this.heads.set(key, head);
        else this.heads.delete(key);
      }
      this.changedStreams.clear();
    }
    return [...this.heads.values()];
  }

  /**
   * A stream's head after its send finished. If that send closed the old head, the next open delivery in
   * stream order is the first of the look-ahead (read again, STREAM_LOOKAHEAD at a time, when it runs out);
   * otherwise (a retry is due later, a dead letter blocks) the head is read again and the look-ahead kept.
   */
  private nextHead(store: DeliveryStore, key: string, previous: DeliveryRow | undefined): DeliveryRow | null {
    if (!previous || !this.closedSinceLook.delete(previous.id)) {
      this.upcoming.delete(key);
      return store.streamHead(key);
    }
    const ahead = this.upcoming.get(key);
    if (ahead && ahead.length > 0) return ahead.shift()!;
    const rows = store.streamAhead(key, STREAM_LOOKAHEAD);
    this.upcoming.set(key, rows.slice(1));
    return rows[0] ?? null;
  }

  /**
   * After a fan-out: new deliveries take the highest positions, so they join the end of their streams and
   * every head and look-ahead held stays right. Only a stream with no head held (new, or drained empty) has
   * to be read again.
   */
  noteAppended(planned: readonly PlannedDelivery[]): void {
    if (this.heads === null) return;
    for (const delivery of planned) if (!this.heads.has(delivery.streamKey)) this.changedStreams.add(delivery.streamKey);
  }

  /** A send started: the head as markInflight() wrote it, so the view is current without reading it again. */
  noteStarted(head: DeliveryRow): void {
    this.heads?.set(head.stream_key, head);
  }

  /** An outcome was recorded: a delivery no longer open (not pending, in flight or blocking) frees its stream. */
  noteFinished(id: string, open: boolean): void {
    if (open) this.closedSinceLook.delete(id);
    else this.closedSinceLook.add(id);
  }

  /** A send of the stream ended: its head is read again (or taken from the look-ahead) on the next current(). */
  noteSendEnded(streamKey: string): void {
    this.changedStreams.add(streamKey);
  }
}
