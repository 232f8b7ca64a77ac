/**
 * What callcert assumes when it scores a call with the E-model: the far end's jitter buffer (the
 * network does not reveal it; 40 ms is a common adaptive buffer's nominal depth), and for a call
 * whose RTCP gave no round trip, none. Both are printed with every MOS.
 */
import { EMODEL_VERSION, eModel, oneWayDelayMs, type EModelResult } from './emodel.js';

export const MOS_ASSUMPTIONS = { jitterBufferMs: 40, rttMs: 0, estimator: EMODEL_VERSION } as const;

/**
 * The E-model of one stream under these assumptions: its loss (percent, clamped to 0–100), the
 * round trip its RTCP measured (null: the assumed one) and its packetisation. Per call at its end
 * and per second while it lasts, the same way.
 */
export function scoreStream(lossPercent: number, rttMs: number | null, ptimeMs: number): EModelResult {
  return eModel({
    oneWayDelayMs: oneWayDelayMs({ rttMs: rttMs ?? MOS_ASSUMPTIONS.rttMs, jitterBufferMs: MOS_ASSUMPTIONS.jitterBufferMs, ptimeMs }),
    packetLossPercent: Math.min(100, Math.max(0, lossPercent)),
  });
}
