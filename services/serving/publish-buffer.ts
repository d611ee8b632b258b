/**
 * The bounded queue between the request path and Kafka. Pushing is O(1) and
 * never waits; when the buffer is full the OLDEST event is dropped to make
 * room (the newest data matters most for monitoring, and a stalled broker
 * must not grow memory without bound). Every drop is counted.
 *
 * A ring buffer over a fixed array, so a full buffer sheds without copying.
 */
export class PublishBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  private droppedTotal = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Events waiting to be sent. */
  get depth(): number {
    return this.size;
  }

  /** Events dropped because the buffer was full, since creation. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Appends an event; returns true when the oldest one was dropped to make room. */
  push(item: T): boolean {
    const tail = (this.head + this.size) % this.capacity;
    this.items[tail] = item;
    if (this.size < this.capacity) {
      this.size++;
      return false;
    }
    // Full: the slot just written was the oldest; the queue now starts one further.
    this.head = (this.head + 1) % this.capacity;
    this.droppedTotal++;
    return true;
  }

  /** Removes and returns up to `max` of the oldest events. */
  take(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      const at = (this.head + i) % this.capacity;
      out[i] = this.items[at]!;
      this.items[at] = undefined;
    }
    this.head = (this.head + n) % this.capacity;
    this.size -= n;
    return out;
  }

  /**
   * Puts events that could not be sent back at the front, oldest first. They
   * are older than anything queued, so when there is no room they are the
   * ones dropped (and counted). Returns how many were dropped.
   */
  requeue(items: readonly T[]): number {
    const room = this.capacity - this.size;
    const keep = items.length <= room ? items : items.slice(items.length - room);
    for (let i = keep.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.items[this.head] = keep[i];
      this.size++;
    }
    const dropped = items.length - keep.length;
    this.droppedTotal += dropped;
    return dropped;
  }
}
