import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '../logging/logger.ts';

/**
 * Creates a kafkajs client whose logs go through our pino logger (kafkajs'
 * own console logger would bypass redaction and levels).
 */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger; config?: Partial<KafkaConfig> }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs logs every retriable protocol response ("Response Fetch…",
        // "coordinator is loading") at ERROR although it retries them itself.
        if (message.startsWith('Response ')) log.debug(rest, message);
        else if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
    ...options.config,
  });
}
