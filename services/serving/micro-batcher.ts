/**
 * Dynamic micro-batching, as Triton's dynamic batcher does it: requests that
 * arrive while a batch is open join it, and the batch runs as ONE model call
 * when its window has passed or it holds `maxRows` rows, whichever is first.
 * Results are split back to the requests in order. A request larger than
 * `maxRows` runs on its own; it is never split.
 *
 * The window is a duration in ms (0 turns batching off: every request runs
 * alone, at once), or `'turn'`: the batch closes at the end of the current
 * event-loop turn (setImmediate). onnxruntime-node runs a session
 * synchronously on the event loop, so the requests that arrived during one
 * run are all parsed in the next turn and ride together in the following
 * run — batching that grows with load and costs a lone request nothing.
 * A failed batch fails every request in it (the caller reports each one).
 */
export type BatchWindow = number | 'turn';

export interface MicroBatcherOptions<I, O> {
  /** How long a batch stays open after its first request: ms, or 'turn'. */
  window: BatchWindow;
  maxRows: number;
  rowsOf: (input: I) => number;
  /** Runs a batch; must resolve to one output per input, in the same order. */
  run: (inputs: I[]) => Promise<O[]>;
  /** Observes each batch run (for the batch-size histogram). */
  onBatch?: (rows: number, requests: number) => void;
  /** Timer hooks; tests pass fakes. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

interface Pending<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (err: unknown) => void;
}

export class MicroBatcher<I, O> {
  private open: Pending<I, O>[] = [];
  private openRows = 0;
  private timer: unknown = undefined;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    const turn = options.window === 'turn';
    this.setTimer = options.setTimer ?? ((fn, ms) => (turn ? setImmediate(fn) : setTimeout(fn, ms)));
    this.clearTimer = options.clearTimer ?? ((h) => (turn ? clearImmediate(h as NodeJS.Immediate) : clearTimeout(h as NodeJS.Timeout)));
  }

  /** Requests waiting in the open batch. */
  get waiting(): number {
    return this.open.length;
  }

  /** Queues one request; resolves with its share of the batch's output. */
  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const job = { input, resolve, reject };
      const rows = this.options.rowsOf(input);
      if (this.options.window === 0 || rows >= this.options.maxRows) {
        this.execute([job]);
        return;
      }
      if (this.openRows + rows > this.options.maxRows) this.flush();
      this.open.push(job);
      this.openRows += rows;
      if (this.openRows >= this.options.maxRows) this.flush();
      else if (this.timer === undefined) this.timer = this.setTimer(() => this.flush(), this.options.window === 'turn' ? 0 : this.options.window);
    });
  }

  /** Runs the open batch now (window over, batch full, or shutting down). */
  flush(): void {
    if (this.timer !== undefined) {
      this.clearTimer(this.timer);
      this.timer = undefined;
    }
    if (this.open.length === 0) return;
    const jobs = this.open;
    this.open = [];
    this.openRows = 0;
    this.execute(jobs);
  }

  private execute(jobs: Pending<I, O>[]): void {
    const inputs = jobs.map((j) => j.input);
    this.options.onBatch?.(inputs.reduce((s, i) => s + this.options.rowsOf(i), 0), jobs.length);
    let running: Promise<O[]>;
    try {
      running = this.options.run(inputs);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (outputs) => {
        if (outputs.length !== jobs.length) {
          const err = new Error(`batch runner returned ${outputs.length} results for ${jobs.length} requests`);
          for (const j of jobs) j.reject(err);
          return;
        }
        jobs.forEach((j, i) => j.resolve(outputs[i]!));
      },
      (err: unknown) => {
        for (const j of jobs) j.reject(err);
      },
    );
  }
}
