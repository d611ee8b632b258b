/**
 * Records every unhandled promise rejection and uncaught exception of this
 * test process, so a test can assert that none happened while the code under
 * test chewed on bad input. (node --test would otherwise report them only
 * loosely, or not at all when they happen between tests.)
 */
export interface CrashRecorder {
  readonly crashes: string[];
  stop(): void;
}

export function recordCrashes(): CrashRecorder {
  const crashes: string[] = [];
  const onRejection = (reason: unknown) => crashes.push(`unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (err: Error) => crashes.push(`uncaughtException: ${err.stack}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    crashes,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
