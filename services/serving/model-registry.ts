import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { ExecutionProviderName } from './config.ts';
import type { SessionFactory } from './execution-providers.ts';
import { type LoadedVersion, loadVersion } from './loaded-version.ts';
import type { BatchWindow } from './micro-batcher.ts';
import { scanRepository } from './repository-scan.ts';
import { chooseVersion, resolveRouting, type ResolvedRouting } from './routing-policy.ts';

export interface ModelRegistryOptions {
  repoDir: string;
  providers: readonly ExecutionProviderName[];
  intraOpThreads: number;
  batchWindow: BatchWindow;
  maxBatchRows: number;
  /** Rescan period; 0 = only explicit reload(). */
  pollIntervalMs: number;
  logger: Logger;
  sessionFactory?: SessionFactory;
  onBatch?: (model: string, version: string, rows: number) => void;
  clock?: () => number;
}

/** A model as served right now: its loaded versions in repository order and its routing. */
export interface ServedModel {
  name: string;
  versions: ReadonlyMap<string, LoadedVersion>;
  routing: ResolvedRouting;
}

/** A request's claim on one version; release it exactly once when the request is done. */
export interface VersionLease {
  version: LoadedVersion;
  release(): void;
}

export interface ReloadReport {
  loaded: string[];
  replaced: string[];
  removed: string[];
  failed: Array<{ version: string; error: string }>;
}

/**
 * The versions this node serves, loaded from a model repository and kept in
 * step with it. `reload()` (run at start, every poll interval, and by tests)
 * loads new versions and versions whose files changed, drops versions that
 * disappeared, and re-reads routing files. The new state is built aside and
 * swapped in with one assignment, so a request sees either the old or the
 * new state; replaced sessions are released only after the requests holding
 * them finish (SessionHandle). A version that fails to load is logged once
 * per fingerprint and skipped; what was served before keeps being served.
 */
export class ModelRegistry {
  private models = new Map<string, ServedModel>();
  /** Fingerprints that failed to load: not retried until the files change. */
  private readonly failedFingerprints = new Map<string, string>();
  private readonly routingProblems = new Map<string, string>();
  private readonly retiring = new Set<Promise<void>>();
  private reloading: Promise<ReloadReport> = Promise.resolve({ loaded: [], replaced: [], removed: [], failed: [] });
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private readonly log: Logger;
  private readonly clock: () => number;
  /** Totals for /metrics. */
  readonly stats = { loads: 0, loadFailures: 0, reloads: 0 };

  constructor(private readonly options: ModelRegistryOptions) {
    this.log = options.logger.child({ component: 'model-registry' });
    this.clock = options.clock ?? Date.now;
  }

  /** Loads the repository once and starts polling it. */
  async start(): Promise<ReloadReport> {
    const report = await this.reload();
    this.started = true;
    if (this.options.pollIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.reload().catch((err: unknown) => this.log.error({ err: messageOf(err) }, 'model repository poll failed'));
      }, this.options.pollIntervalMs);
      this.timer.unref();
    }
    return report;
  }

  /** Ready once the first load is done and at least one version is loaded. */
  get ready(): boolean {
    return this.started && !this.closed && this.models.size > 0;
  }

  /** The models served now (a consistent snapshot). */
  served(): ServedModel[] {
    return [...this.models.values()];
  }

  model(name: string): ServedModel | undefined {
    return this.models.get(name);
  }

  /**
   * Picks the version for a request — `version` when given, else the routing
   * policy applied to `routingKey` (the request's prediction id) — and leases
   * it. Throws NOT_FOUND naming what is loaded.
   */
  acquire(model: string, version: string | undefined, routingKey: string): VersionLease {
    if (this.closed) throw new DriftlineError('NOT_READY', 'the serving node is shutting down', { retriable: true });
    const served = this.models.get(model);
    if (!served) {
      const names = [...this.models.keys()];
      throw new DriftlineError('NOT_FOUND', `model ${JSON.stringify(model)} is not loaded (loaded: ${names.length > 0 ? names.join(', ') : 'none'})`);
    }
    const chosen = version ?? chooseVersion(served.routing.policy, routingKey);
    const loaded = served.versions.get(chosen);
    if (!loaded) {
      throw new DriftlineError('NOT_FOUND', `version ${JSON.stringify(chosen)} of model ${JSON.stringify(model)} is not loaded (loaded: ${[...served.versions.keys()].join(', ')})`);
    }
    // The state swap and retirement happen in one synchronous step, so a version found here is never retired yet.
    if (!loaded.handle.acquire()) throw new DriftlineError('NOT_READY', `${model}/${chosen} is being unloaded`, { retriable: true });
    let released = false;
    return {
      version: loaded,
      release: () => {
        if (released) return;
        released = true;
        loaded.handle.release();
      },
    };
  }

  /** Rescans the repository and applies changes; calls are serialized. */
  reload(): Promise<ReloadReport> {
    const next = this.reloading.then(() => this.reloadOnce(), () => this.reloadOnce());
    this.reloading = next.catch(() => ({ loaded: [], replaced: [], removed: [], failed: [] }));
    return next;
  }

  private async reloadOnce(): Promise<ReloadReport> {
    const report: ReloadReport = { loaded: [], replaced: [], removed: [], failed: [] };
    if (this.closed) return report;
    this.stats.reloads++;
    const scanned = await scanRepository(this.options.repoDir);
    const next = new Map<string, ServedModel>();
    const retire: LoadedVersion[] = [];
    const fresh: LoadedVersion[] = [];

    for (const model of scanned) {
      const current = this.models.get(model.name);
      const versions = new Map<string, LoadedVersion>();
      for (const v of model.versions) {
        const key = `${model.name}/${v.version}`;
        const existing = current?.versions.get(v.version);
        if (existing && existing.fingerprint === v.fingerprint) {
          versions.set(v.version, existing);
          continue;
        }
        if (this.failedFingerprints.get(key) === v.fingerprint) {
          if (existing) versions.set(v.version, existing);
          continue;
        }
        try {
          const loaded = await loadVersion({
            dir: v.dir,
            model: model.name,
            version: v.version,
            fingerprint: v.fingerprint,
            providers: this.options.providers,
            intraOpThreads: this.options.intraOpThreads,
            batchWindow: this.options.batchWindow,
            maxBatchRows: this.options.maxBatchRows,
            ...(this.options.sessionFactory ? { sessionFactory: this.options.sessionFactory } : {}),
            ...(this.options.onBatch ? { onBatch: this.options.onBatch } : {}),
            logger: this.log,
            nowMs: this.clock(),
          });
          this.stats.loads++;
          this.failedFingerprints.delete(key);
          versions.set(v.version, loaded);
          fresh.push(loaded);
          if (existing) {
            retire.push(existing);
            report.replaced.push(key);
          } else report.loaded.push(key);
          this.log.info({ model: model.name, version: v.version, provider: loaded.provider, replaced: Boolean(existing) }, 'model version loaded');
        } catch (err) {
          this.stats.loadFailures++;
          this.failedFingerprints.set(key, v.fingerprint);
          report.failed.push({ version: key, error: messageOf(err) });
          this.log.error({ model: model.name, version: v.version, err: messageOf(err) }, existing ? 'changed model version failed to load; still serving the previous files' : 'model version failed to load');
          if (existing) versions.set(v.version, existing);
        }
      }
      if (versions.size === 0) continue;
      const names = [...versions.keys()];
      const routing = resolveRouting(model.routing, names, current?.routing.policy);
      this.noteRoutingProblem(model.name, routing);
      next.set(model.name, { name: model.name, versions, routing });
    }

    for (const [name, current] of this.models) {
      for (const [version, loaded] of current.versions) {
        if (next.get(name)?.versions.get(version) !== loaded && !retire.includes(loaded)) {
          retire.push(loaded);
          report.removed.push(`${name}/${version}`);
        }
      }
    }
    if (this.closed) {
      // close() ran while we were loading and retired what was served: only the sessions loaded since are left.
      this.retireAll(fresh);
      return report;
    }
    // The swap: one assignment, then retirement of what is no longer reachable.
    this.models = next;
    this.retireAll(retire);
    if (report.loaded.length + report.replaced.length + report.removed.length > 0) this.log.info(report, 'model repository reloaded');
    return report;
  }

  private noteRoutingProblem(model: string, routing: ResolvedRouting): void {
    const problem = routing.problem;
    if (problem === undefined) {
      this.routingProblems.delete(model);
      return;
    }
    if (this.routingProblems.get(model) === problem) return;
    this.routingProblems.set(model, problem);
    this.log.error({ model, problem, serving: routing.policy, source: routing.source }, 'routing.json not applied');
  }

  private retireAll(versions: LoadedVersion[]): void {
    for (const v of versions) {
      const done = v.handle.retire().then(
        () => this.log.info({ model: v.model, version: v.version }, 'model version unloaded'),
        (err: unknown) => this.log.warn({ model: v.model, version: v.version, err: messageOf(err) }, 'session release failed'),
      );
      this.retiring.add(done);
      void done.finally(() => this.retiring.delete(done));
    }
  }

  /** Stops polling, serves nothing more, and releases every session once its requests are done. Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.closed) {
      this.closed = true;
      const all = [...this.models.values()].flatMap((m) => [...m.versions.values()]);
      this.models = new Map();
      this.retireAll(all);
    }
    await this.reloading;
    await Promise.all([...this.retiring]);
  }
}
