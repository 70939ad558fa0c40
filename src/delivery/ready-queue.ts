/**
 * Stream heads waiting to be sent, earliest due first: a binary heap (tinyqueue) keyed by (due time, stream
 * position, stream key), at most one live entry per stream. Replacing or removing a stream's entry does not
 * search the heap: the old entry stays, is recognised as stale when it reaches the top, and is dropped there.
 * So every operation costs O(log n) in the number of streams, whatever their number.
 */
import TinyQueue from "tinyqueue";

interface Entry<T> {
  at: number;
  seq: number;
  key: string;
  item: T;
}

const byDueTime = <T>(a: Entry<T>, b: Entry<T>): number => a.at - b.at || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Stale entries tolerated before the heap is rebuilt from the live ones, so repeated replacements cannot grow it without bound. */
const SLACK = 1024;

export class ReadyQueue<T> {
  private heap = new TinyQueue<Entry<T>>([], byDueTime);
  /** The one live entry of each stream in the heap; any other entry of that stream is stale. */
  private readonly live = new Map<string, Entry<T>>();

  get size(): number {
    return this.live.size;
  }

  /** Queues (or re-queues, replacing its entry) a stream's item, due at `at`; `seq` orders ties. */
  push(key: string, item: T, at: number, seq: number): void {
    const entry = { at, seq, key, item };
    this.live.set(key, entry);
    this.heap.push(entry);
    if (this.heap.length > 2 * this.live.size + SLACK) this.heap = new TinyQueue([...this.live.values()], byDueTime);
  }

  remove(key: string): void {
    this.live.delete(key);
  }

  clear(): void {
    this.live.clear();
    this.heap = new TinyQueue<Entry<T>>([], byDueTime);
  }

  /** When the earliest item is due; null when the queue is empty. */
  earliest(): number | null {
    return this.top()?.at ?? null;
  }

  /** Takes the earliest item if it is due at `now`. */
  popDue(now: number): T | null {
    const entry = this.top();
    if (!entry || entry.at > now) return null;
    this.heap.pop();
    this.live.delete(entry.key);
    return entry.item;
  }

  private top(): Entry<T> | undefined {
    for (let entry = this.heap.peek(); entry; entry = this.heap.peek()) {
      if (this.live.get(entry.key) === entry) return entry;
      this.heap.pop();
    }
    return undefined;
  }
}
