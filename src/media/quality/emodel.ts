/**
 * The ITU-T G.107 (06/2015) E-model, narrowband: transmission rating R from one-way delay and
 * packet loss, and the MOS estimates derived from it (Annex B). A pure function with a version
 * string: a results file names the estimator and its inputs next to every MOS it reports.
 *
 * Every parameter other than delay, loss and the codec's Ie/Bpl is at its Table 3 default (an
 * electrical interface with default loudness ratings, room noise, sidetone and echo loss), and
 * the whole model is computed, not its "R = 93.2 − …" shortcut:
 *
 *   R = Ro − Is − Id − Ie,eff + A                                           (§7.1)
 *   Ro, Is: §7.2–7.3 from the defaults (Ro ≈ 94.77, Is ≈ 1.41; Is varies with T by < 10⁻³)
 *   Id = Idte + Idle + Idd: talker echo, listener echo, absolute delay      (§7.4)
 *   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)                    (§7.5)
 *
 * G.107 has three delays: T (mean one-way delay of the talker-echo path), Tr (round trip of the
 * listener-echo loop) and Ta (absolute one-way delay). From RTP/RTCP we know only one, so
 * T = Ta and Tr = 2·Ta (all delay on the 4-wire path, echo controlled at TELR = 65 dB). Idd uses
 * the default delay sensitivity (mT = 100 ms, sT = 1): zero up to 100 ms.
 *
 * MOS-CQE is Annex B's mapping of R. MOS-LQE is the same mapping of R computed without delay
 * (Ta = T = Tr = 0): listening quality "does not include the effects of delay" (RFC 3611 §4.7.5's
 * MOS-LQ / MOS-CQ split; P.800.1 naming). With no delay the two are equal.
 */

export const EMODEL_VERSION =
  'callcert-emodel-1 (ITU-T G.107 06/2015: full model, Table 3 defaults, T = Ta, Tr = 2·Ta, mT = 100 ms; ' +
  'Ie = 0 for G.711, Bpl = 25.1 default (PLC), 4.3 selectable (no PLC); MOS per Annex B; MOS-LQE at zero delay)';

/** A codec's equipment impairment Ie and packet-loss robustness Bpl (ITU-T G.113 Appendix I values). */
export interface CodecImpairment {
  readonly name: string;
  readonly ie: number;
  readonly bpl: number;
}

/** G.711 with packet-loss concealment (G.711 Appendix I): the default. */
export const G711_PLC: CodecImpairment = { name: 'G.711 with PLC', ie: 0, bpl: 25.1 };
/** G.711 without concealment: the stricter planning value. */
export const G711_NO_PLC: CodecImpairment = { name: 'G.711 without PLC', ie: 0, bpl: 4.3 };

export interface EModelInput {
  /** Ta: absolute one-way mouth-to-ear delay in ms (see oneWayDelayMs). */
  oneWayDelayMs: number;
  /** Ppl: packet loss in percent, 0..100. */
  packetLossPercent: number;
  /** BurstR: 1 for random loss (default), > 1 for bursty loss. */
  burstRatio?: number;
  /** Ie and Bpl; default G711_PLC. */
  codec?: CodecImpairment;
}

export interface EModelResult {
  version: string;
  /** Transmission rating with delay (conversational); not clamped — Annex B maps R < 0 to MOS 1. */
  r: number;
  /** The same at zero delay (listening). */
  rLqe: number;
  mosCqe: number;
  mosLqe: number;
  /** The terms of R, for the report's "why": R = ro − is − id − ieEff (A = 0). */
  ro: number;
  is: number;
  id: number;
  idte: number;
  idle: number;
  idd: number;
  ieEff: number;
  /** The inputs as used. */
  oneWayDelayMs: number;
  packetLossPercent: number;
  burstRatio: number;
  ie: number;
  bpl: number;
}

/** Table 3 default values (and Table 1's default delay sensitivity), the ones this model fixes. */
export const G107_DEFAULTS = {
  /** Send and receive loudness ratings, dB. */
  SLR: 8,
  RLR: 2,
  /** Sidetone masking rating and listener sidetone rating, dB. */
  STMR: 15,
  LSTR: 18,
  /** D-value of the telephone's send side. */
  Ds: 3,
  /** Talker echo loudness rating, dB; weighted echo path loss, dB. */
  TELR: 65,
  WEPL: 110,
  /** Quantising distortion units. */
  qdu: 1,
  /** Circuit noise at the 0 dBr point, dBm0p; noise floor at the receive side, dBmp. */
  Nc: -70,
  Nfor: -64,
  /** Room noise at send and receive side, dB(A). */
  Ps: 35,
  Pr: 35,
  /** Advantage factor. */
  A: 0,
  /** Delay sensitivity: Idd starts at mT ms, with sharpness sT. */
  mT: 100,
  sT: 1,
} as const;

const P = G107_DEFAULTS;
const log10 = Math.log10;

/** §7.2: basic signal-to-noise ratio Ro, and No (the noise sum) that Is and Idte reuse. */
function basicSignalToNoise(): { ro: number; no: number } {
  const olr = P.SLR + P.RLR;
  const nos = P.Ps - P.SLR - P.Ds - 100 + 0.004 * (P.Ps - olr - P.Ds - 14) ** 2;
  const pre = P.Pr + 10 * log10(1 + 10 ** ((10 - P.LSTR) / 10));
  const nor = P.RLR - 121 + pre + 0.008 * (pre - 35) ** 2;
  const nfo = P.Nfor + P.RLR;
  const no = 10 * log10(10 ** (P.Nc / 10) + 10 ** (nos / 10) + 10 ** (nor / 10) + 10 ** (nfo / 10));
  return { ro: 15 - 1.5 * (P.SLR + no), no };
}

const { ro: RO, no: NO } = basicSignalToNoise();

/** §7.3: simultaneous impairment Is = Iolr + Ist + Iq; Ist depends on T through STMRo. */
function simultaneousImpairment(tMs: number): number {
  const olr = P.SLR + P.RLR;
  const xolr = olr + 0.2 * (64 + NO - P.RLR);
  const iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8);
  const stmro = -10 * log10(10 ** (-P.STMR / 10) + Math.exp(-tMs / 4) * 10 ** (-P.TELR / 10));
  const ist =
    12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) -
    28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35) -
    13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) +
    29;
  const q = 37 - 15 * log10(P.qdu);
  const g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const z = 46 / 30 - g / 40;
  const y = (RO - 100) / 15 + 46 / 8.4 - g / 9;
  const iq = 15 * log10(1 + 10 ** y + 10 ** z);
  return iolr + ist + iq;
}

/**
 * §7.4: delay impairment terms for talker-echo delay T, listener-echo round trip Tr and absolute
 * delay Ta (ms). STMR = 15 is inside [9, 20], so neither of §7.4's sidetone corrections applies.
 */
export function delayImpairment(tMs: number, trMs: number, taMs: number): { idte: number; idle: number; idd: number } {
  const terv = P.TELR - 40 * log10((1 + tMs / 10) / (1 + tMs / 150)) + 6 * Math.exp(-0.3 * tMs * tMs);
  const roe = -1.5 * (NO - P.RLR);
  const re = 80 + 2.5 * (terv - 14);
  // (1 − e^−T) zeroes talker echo at T = 0; the branch keeps that a +0, not −0, in results.json.
  const idte = tMs > 0 ? ((roe - re) / 2 + Math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-tMs)) : 0;
  const rle = 10.5 * (P.WEPL + 7) * (trMs + 1) ** -0.25;
  const idle = (RO - rle) / 2 + Math.sqrt((RO - rle) ** 2 / 4 + 169);
  let idd = 0;
  if (taMs > P.mT) {
    const x = log10(taMs / P.mT) / log10(2);
    const k = 6 * P.sT;
    idd = 25 * ((1 + x ** k) ** (1 / k) - 3 * (1 + (x / 3) ** k) ** (1 / k) + 2);
  }
  return { idte, idle, idd };
}

/** §7.5: effective equipment impairment under packet loss. */
export function effectiveEquipmentImpairment(ie: number, bpl: number, packetLossPercent: number, burstRatio = 1): number {
  return ie + ((95 - ie) * packetLossPercent) / (packetLossPercent / burstRatio + bpl);
}

/** Annex B: MOS_CQE from R (1 below 0, 4.5 above 100). */
export function mosFromR(r: number): number {
  if (Number.isNaN(r)) return Number.NaN;
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

function rating(taMs: number, ieEff: number): { r: number; is: number; idte: number; idle: number; idd: number } {
  const is = simultaneousImpairment(taMs);
  const { idte, idle, idd } = delayImpairment(taMs, 2 * taMs, taMs);
  return { r: RO - is - (idte + idle + idd) - ieEff + P.A, is, idte, idle, idd };
}

function requireNumber(name: string, v: number, min: number, max: number): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${v}`);
}

/** R, MOS-CQE and MOS-LQE for one direction of a call. */
export function eModel(input: EModelInput): EModelResult {
  const codec = input.codec ?? G711_PLC;
  const burstRatio = input.burstRatio ?? 1;
  requireNumber('oneWayDelayMs', input.oneWayDelayMs, 0, 1e6);
  requireNumber('packetLossPercent', input.packetLossPercent, 0, 100);
  requireNumber('burstRatio', burstRatio, Number.MIN_VALUE, 1e6);
  requireNumber('codec.ie', codec.ie, 0, 95);
  requireNumber('codec.bpl', codec.bpl, Number.MIN_VALUE, 1e6);
  const ieEff = effectiveEquipmentImpairment(codec.ie, codec.bpl, input.packetLossPercent, burstRatio);
  const cq = rating(input.oneWayDelayMs, ieEff);
  const lq = rating(0, ieEff);
  return {
    version: EMODEL_VERSION,
    r: cq.r,
    rLqe: lq.r,
    mosCqe: mosFromR(cq.r),
    mosLqe: mosFromR(lq.r),
    ro: RO,
    is: cq.is,
    id: cq.idte + cq.idle + cq.idd,
    idte: cq.idte,
    idle: cq.idle,
    idd: cq.idd,
    ieEff,
    oneWayDelayMs: input.oneWayDelayMs,
    packetLossPercent: input.packetLossPercent,
    burstRatio,
    ie: codec.ie,
    bpl: codec.bpl,
  };
}

export interface OneWayDelayInput {
  /** Network round trip (RTCP §6.4.1, or an echo's); half of it is taken as the one-way part. */
  rttMs: number;
  /** The receiver's jitter-buffer delay, an assumption the report states (the network gives no figure). */
  jitterBufferMs: number;
  /** Packetisation: the frame the sender waits to fill, 20 ms for G.711/20 (SDP a=ptime). */
  ptimeMs: number;
}

/** Ta for the E-model: RTT/2 + jitter buffer + packetisation, in ms. */
export function oneWayDelayMs(input: OneWayDelayInput): number {
  requireNumber('rttMs', input.rttMs, 0, 1e6);
  requireNumber('jitterBufferMs', input.jitterBufferMs, 0, 1e6);
  requireNumber('ptimeMs', input.ptimeMs, 0, 1e6);
  return input.rttMs / 2 + input.jitterBufferMs + input.ptimeMs;
}
