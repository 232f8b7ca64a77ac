/**
 * What callcert assumes when it scores a call with the E-model: the far end's jitter buffer (the
 * network does not reveal it; 40 ms is a common adaptive buffer's nominal depth), and for a call
 * whose RTCP gave no round trip, none. Both are printed with every MOS.
 */
import { EMODEL_VERSION } from './emodel.js';

export const MOS_ASSUMPTIONS = { jitterBufferMs: 40, rttMs: 0, estimator: EMODEL_VERSION } as const;
