/**
 * The drain's view of every stream's head, and the queue of free heads by due time that it plans from. A drain
 * reads every head once (without bodies); after that only the streams whose send finished are read again, and
 * a closed head's successor usually comes from a look-ahead already read. Planning pops due heads off a heap,
 * so the cost of a send does not grow with the number of open streams. The store stays the truth; this is a
 * view of it that the drain keeps current.
 */
import type { DeliveryStore } from "./delivery-store";
import type { HeadRow } from "./delivery-tables";
import type { PlannedDelivery } from "./fan-out";
import { ReadyQueue } from "./ready-queue";
import { headVerdict, type HeadFacts } from "./stream-scheduler";

/** Where the view reads heads from: the delivery store (a plain in-memory table in unit tests). */
export type HeadSource = Pick<DeliveryStore, "streamHeads" | "streamHead" | "streamAhead">;

/** Open deliveries read ahead of a stream's head at once, so a backlog is not read back one row per send. */
const STREAM_LOOKAHEAD = 64;

export interface PlanRound {
  now: number;
  /** The most heads to take (free send slots, and what is left of the drain's budget). */
  limit: number;
  /** What decides a head's verdict, with the URL whose breaker was asked (a probe goes once per URL). */
  factsOf(head: HeadRow): HeadFacts & { url?: string };
  /**
   * Takes a token of the head's rate limit (send-throttle.ts) as it is taken to send: null when it may go, else
   * when the next token is there. Asked per head, so one round never takes more than a subscription has.
   */
  throttle?(head: HeadRow): number | null;
}

/** Heads set aside under a key (a subscription, a URL), at most one per stream. */
type AsideLists = Map<string, Map<string, HeadRow>>;

function setAside(lists: AsideLists, key: string, head: HeadRow): void {
  const list = lists.get(key);
  if (list) list.set(head.stream_key, head);
  else lists.set(key, new Map([[head.stream_key, head]]));
}

/** A stream's position order: replays placed where a blocked head stood keep its place. */
const positionOf = (head: HeadRow): number => head.stream_order ?? head.position;

export class StreamHeads {
  /**
   * Every stream's head, by stream key; null when it must be read again in full (a new drain, an operator's
   * replay or skip). Between full reads only the streams in `changedStreams` (a send of theirs finished, or a
   * fan-out gave a stream with no head its first delivery) are read again, each by one index seek.
   */
  private heads: Map<string, HeadRow> | null = null;
  private readonly changedStreams = new Set<string>();
  /** Free heads (pending, nothing of their stream in flight or blocked) by when they may go. */
  private readonly ready = new ReadyQueue<HeadRow>();
  /** Free heads whose subscription holds them, by subscription id: queued again by release(). */
  private readonly held: AsideLists = new Map();
  /**
   * Heads queued for when their URL's cool-down ends, by URL: when the breaker closes earlier (its probe
   * succeeded), breakerClosed() queues them again for their own due time.
   */
  private readonly cooling: AsideLists = new Map();
  /**
   * Per stream, the open deliveries behind its head in stream order, as last read (at most STREAM_LOOKAHEAD),
   * valid while `heads` is: when a head is closed (delivered, skipped, dead and not blocking) the next one
   * comes from here instead of another read.
   */
  private readonly upcoming = new Map<string, HeadRow[]>();
  /**
   * Heads of a rate-limited subscription that found no token, by subscription id. Only one of them (the
   * subscription's ticket, in `throttleTickets`) waits in the ready queue for the next token; after each send of
   * the subscription one more comes back. So a subscription with many streams costs a few heap operations per
   * send, not one per stream.
   */
  private readonly throttled: AsideLists = new Map();
  /** Per throttled subscription, the stream whose head waits in the ready queue for the next token. */
  private readonly throttleTickets = new Map<string, string>();
  /** Deliveries closed since the drain last looked at their stream (see noteFinished()). */
  private readonly closedSinceLook = new Set<string>();

  /** Forgets the view: the next refresh() reads every head again. */
  invalidate(): void {
    this.heads = null;
  }

  /**
   * Brings the view up to date: every head read when the view was invalidated, else only the streams whose
   * send finished since the last call (only a stream's own send changes its head while a drain runs; anything
   * else invalidates the whole view).
   */
  refresh(store: HeadSource): void {
    if (this.heads === null) {
      this.changedStreams.clear();
      this.upcoming.clear();
      this.closedSinceLook.clear();
      this.ready.clear();
      this.held.clear();
      this.cooling.clear();
      this.throttled.clear();
      this.throttleTickets.clear();
      this.heads = new Map();
      for (const head of store.streamHeads()) this.setHead(head.stream_key, head);
      return;
    }
    for (const key of this.changedStreams) this.setHead(key, this.nextHead(store, key, this.heads.get(key)));
    this.changedStreams.clear();
  }

  /** Records a stream's head, queued when it is free to go (pending: not in flight, not a blocking dead letter). */
  private setHead(key: string, head: HeadRow | null): void {
    if (!head) {
      this.heads?.delete(key);
      this.ready.remove(key);
      return;
    }
    this.heads?.set(key, head);
    if (head.status === "pending" && head.blocking === 0) this.ready.push(key, head, head.next_attempt_at, positionOf(head));
    else this.ready.remove(key);
  }

  /**
   * Takes the heads to send now: due ones, oldest due first, at most `limit`, and at most one per URL whose
   * breaker is not closed (its probe). A head that must wait (a retry, a cool-down, its rate limit's next token)
   * is queued again for when it may go, keeping its stream's order; one its subscription holds is set aside until release().
   */
  plan(round: PlanRound): HeadRow[] {
    const send: HeadRow[] = [];
    const probedUrls = new Set<string>();
    const afterProbe: HeadRow[] = [];
    while (send.length < round.limit) {
      const head = this.ready.popDue(round.now);
      if (!head) break;
      const facts = round.factsOf(head);
      const verdict = headVerdict(facts, round.now);
      if (verdict.kind === "held") {
        setAside(this.held, head.subscription_id, head);
      } else if (verdict.kind === "wait") {
        this.ready.push(head.stream_key, head, verdict.until, positionOf(head));
        if (verdict.until > facts.nextAttemptAt && facts.url !== undefined) setAside(this.cooling, facts.url, head);
      } else if (verdict.probe && facts.url !== undefined && probedUrls.has(facts.url)) {
        // Its URL's probe is going now: once it starts the breaker says when the rest may follow.
        afterProbe.push(head);
      } else {
        const nextToken = round.throttle?.(head) ?? null;
        if (nextToken !== null) {
          this.waitForToken(head, nextToken);
          continue;
        }
        if (verdict.probe && facts.url !== undefined) probedUrls.add(facts.url);
        send.push(head);
        this.tokenTaken(head, round.now);
      }
    }
    for (const head of afterProbe) this.ready.push(head.stream_key, head, round.now, positionOf(head));
    return send;
  }

  /** A head found no token: the subscription's ticket waits in the ready queue for the next one, any other head aside. */
  private waitForToken(head: HeadRow, nextToken: number): void {
    const ticket = this.throttleTickets.get(head.subscription_id);
    if (ticket !== undefined && ticket !== head.stream_key) {
      setAside(this.throttled, head.subscription_id, head);
      return;
    }
    this.throttleTickets.set(head.subscription_id, head.stream_key);
    this.ready.push(head.stream_key, head, nextToken, positionOf(head));
  }

  /** A head took a token: if it was its subscription's ticket, the next head set aside comes back to try for one. */
  private tokenTaken(head: HeadRow, now: number): void {
    const subscriptionId = head.subscription_id;
    if (this.throttleTickets.get(subscriptionId) === head.stream_key) this.throttleTickets.delete(subscriptionId);
    if (this.throttleTickets.has(subscriptionId)) return;
    const aside = this.throttled.get(subscriptionId);
    if (!aside) return;
    for (const [key, waiting] of aside) {
      aside.delete(key);
      // A head set aside may have been replaced since (a full read queues every free head afresh).
      if (this.heads?.get(key) !== waiting) continue;
      this.setHead(key, waiting);
      break;
    }
    if (aside.size === 0) this.throttled.delete(subscriptionId);
  }

  /** When the earliest queued head may go (held heads do not count); null when none is queued. */
  earliestReady(): number | null {
    return this.ready.earliest();
  }

  /** Queues again the held heads of every subscription that no longer holds them (enabled, saved again, or deleted). */
  release(stillHolds: (subscriptionId: string) => boolean): void {
    for (const [subscriptionId, heads] of this.held) {
      if (stillHolds(subscriptionId)) continue;
      this.held.delete(subscriptionId);
      // A head set aside may have been replaced since (a full read queues every free head afresh).
      for (const head of heads.values()) if (this.heads?.get(head.stream_key) === head) this.setHead(head.stream_key, head);
    }
  }

  /** A URL's breaker closed: its heads waiting for the cool-down go at their own due time. */
  breakerClosed(url: string): void {
    const heads = this.cooling.get(url);
    this.cooling.delete(url);
    for (const head of heads?.values() ?? []) if (this.heads?.get(head.stream_key) === head) this.setHead(head.stream_key, head);
  }

  /**
   * A stream's head after its send finished. If that send closed the old head, the next open delivery in
   * stream order is the first of the look-ahead (read again, STREAM_LOOKAHEAD at a time, when it runs out);
   * otherwise (a retry is due later, a dead letter blocks) the head is read again and the look-ahead kept.
   */
  private nextHead(store: HeadSource, key: string, previous: HeadRow | undefined): HeadRow | null {
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
  noteStarted(head: HeadRow): void {
    if (this.heads) this.setHead(head.stream_key, head);
  }

  /** An outcome was recorded: a delivery no longer open (not pending, in flight or blocking) frees its stream. */
  noteFinished(id: string, open: boolean): void {
    if (open) this.closedSinceLook.delete(id);
    else this.closedSinceLook.add(id);
  }

  /** A send of the stream ended: its head is read again (or taken from the look-ahead) on the next refresh(). */
  noteSendEnded(streamKey: string): void {
    this.changedStreams.add(streamKey);
  }
}
