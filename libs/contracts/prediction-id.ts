import { v7 as uuidv7, validate, version } from 'uuid';

/**
 * Prediction ids are UUIDv7 (RFC 9562): the first 48 bits are the Unix time
 * in ms, so ids sort by time and a label join can narrow its scan to the
 * time range a prediction id implies.
 */
export function newPredictionId(nowMs?: number): string {
  return nowMs === undefined ? uuidv7() : uuidv7({ msecs: nowMs });
}

export function isPredictionId(id: string): boolean {
  return validate(id) && version(id) === 7;
}

/** The creation time embedded in a UUIDv7, in ms since the epoch. */
export function predictionIdTimeMs(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
