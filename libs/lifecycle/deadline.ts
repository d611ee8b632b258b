/**
 * Waits for `work` at most `ms` milliseconds: true once it has settled in
 * time (a rejection is passed on), false when the time ran out first. The
 * timer is cleared either way; `work` goes on (and a later rejection of it
 * is handled here, never unhandled). `unref`: the wait alone does not keep
 * the process alive.
 */
export async function settledWithin(work: Promise<unknown>, ms: number, options: { unref?: boolean } = {}): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    if (options.unref) timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
