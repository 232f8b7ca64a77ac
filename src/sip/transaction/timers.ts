/** RFC 3261 §17 timer values (ms), shared by every transaction kind (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2). */
export const T1 = 500;
export const T2 = 4000;
/** INVITE client transaction timeout (no final response). */
export const TIMER_B = 64 * T1;
/** Non-INVITE client transaction timeout. */
export const TIMER_F = 64 * T1;
/** INVITE server transaction: how long a final response waits for its ACK. */
export const TIMER_H = 64 * T1;
/** Non-INVITE server transaction: how long a completed transaction absorbs retransmissions (UDP). */
export const TIMER_J = 64 * T1;
