import type { Queue } from 'bullmq';
import { readModelVersion, modelVersionDir } from '../../libs/model/model-repository.ts';
import { enqueueTrainingJob } from '../../libs/training/training-job.ts';
import type { TriggerLoopOptions } from './trigger-loop.ts';

/**
 * Connects the trigger loop to the training queue (BullMQ) and to the model
 * repository's cards. One training job per model at a time: the job is
 * deduplicated on `retrain:<model>` while it waits or runs.
 */
export function trainingAdapter(queue: Queue, repoDir: string): Pick<TriggerLoopOptions, 'enqueue' | 'activeJobs' | 'baselineFromCard'> {
  return {
    async enqueue(request) {
      const job = await enqueueTrainingJob(queue, { schema_version: 1, ...request }, { dedupId: `retrain:${request.model}` });
      return job.id ?? '';
    },
    async activeJobs(model) {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
      return jobs.filter((j) => (j?.data as { model?: string } | undefined)?.model === model).length;
    },
    async baselineFromCard(model, version, metric) {
      try {
        const { card } = await readModelVersion(modelVersionDir(repoDir, model, version));
        const metrics = card.training.metrics as Record<string, number>;
        return metric === 'roc_auc' ? metrics.auc : metrics[metric];
      } catch {
        return undefined; // no card for this version (e.g. served elsewhere): no baseline
      }
    },
  };
}
