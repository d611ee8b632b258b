/**
 * Reference counting for a session that may be replaced while requests are
 * running on it. The registry swaps in the new reference at once (new
 * requests never see the old one) and retires the old handle; the old session
 * is released only when the last request holding it has finished, so a hot
 * reload never fails an in-flight request.
 */
export class SessionHandle {
  private inflight = 0;
  private retired = false;
  private disposed: Promise<void> | undefined;
  private onDrained: (() => void) | undefined;

  constructor(private readonly dispose: () => Promise<void>) {}

  /** Requests currently holding the session. */
  get active(): number {
    return this.inflight;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  /** Takes a lease for one request; false once retired (the caller routes again). */
  acquire(): boolean {
    if (this.retired) return false;
    this.inflight++;
    return true;
  }

  /** Returns a lease; the last one after retirement releases the session. */
  release(): void {
    this.inflight--;
    if (this.retired && this.inflight === 0) this.onDrained?.();
  }

  /** No new leases; resolves once in-flight requests are done and the session is released. Idempotent. */
  retire(): Promise<void> {
    this.retired = true;
    this.disposed ??= new Promise<void>((resolve) => {
      if (this.inflight === 0) resolve();
      else this.onDrained = resolve;
    }).then(() => this.dispose());
    return this.disposed;
  }
}
