import type { LabelEvent } from '../../libs/contracts/schemas.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';

/**
 * Sends labels the way an external label source does: `POST /v1/labels` on
 * the API with the admin token. Item errors are counted (the route keeps the
 * good items); a request-level failure throws so the simulator stops.
 */
export function httpLabelSender(apiUrl: string, adminToken: string, counts: { accepted: number; rejected: number } = { accepted: 0, rejected: 0 }) {
  const url = `${apiUrl.replace(/\/+$/, '')}/v1/labels`;
  const send = async (labels: LabelEvent[]): Promise<void> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ labels: labels.map(({ prediction_id, model, label, ts }) => ({ prediction_id, model, label, ts })) }),
    });
    const body = (await response.json().catch(() => ({}))) as { accepted?: number; rejected?: number; error?: { message?: string } };
    if (response.status !== 202) throw new DriftlineError('INPUT_INVALID', `POST /v1/labels answered ${response.status}: ${body.error?.message ?? 'no error body'}`);
    counts.accepted += body.accepted ?? 0;
    counts.rejected += body.rejected ?? 0;
  };
  return { send, counts };
}
