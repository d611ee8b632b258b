import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Starts the local infrastructure the embedded mode needs: the Kafka broker
 * (scripts/kafka.sh, which reuses a running one) and Redis (started with
 * redis-server when nothing answers). Used by the CLI and the test runner,
 * never by services, which only receive addresses.
 */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Runs a command from the repository root; rejects with the tail of its output when it exits non-zero. */
export function runScript(command: string, args: string[], env: Record<string, string>, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    // Decoded as UTF-8 across chunk boundaries: a character split between two reads stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const take = (text: string) => {
      tail = (tail + text).slice(-4_000);
      for (const line of text.split('\n')) if (line.trim()) onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail}`))));
  });
}

/** Ensures a Kafka broker answers on `port` (starting the local one if needed). */
export async function ensureLocalKafka(port = 9092, onLine?: (line: string) => void): Promise<void> {
  if (await portAnswers(port)) return;
  await runScript('bash', ['scripts/kafka.sh', 'start'], { KAFKA_PORT: String(port) }, onLine);
}

/** Ensures Redis answers on `port`, starting a throwaway redis-server if not. */
export async function ensureLocalRedis(port = 6379): Promise<void> {
  if (await portAnswers(port)) return;
  await runScript('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {});
  for (let i = 0; i < 50; i++) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
}

/** The port of the first broker in a KAFKA_BROKERS list when it is local, else undefined. */
export function localBrokerPort(brokers: string[]): number | undefined {
  const first = brokers[0] ?? '';
  const m = /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(first);
  return m ? Number(m[1]) : undefined;
}
