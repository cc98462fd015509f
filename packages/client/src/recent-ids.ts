/**
 * The ids of the last `capacity` events, in arrival order: the second guard against delivering an
 * event twice (the first is resuming from the right cursor). Bounded so a tab open for days does
 * not grow without limit; a duplicate can only come from a replay overlap, which is short.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: Array<string | undefined>;
  private next = 0;

  constructor(readonly capacity = 2048) {
    this.ring = new Array<string | undefined>(capacity);
  }

  /** Records `id`; false when it was seen already (a duplicate). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
