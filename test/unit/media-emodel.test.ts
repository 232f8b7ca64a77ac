import { describe, expect, it } from 'vitest';
import {
  delayImpairment,
  effectiveEquipmentImpairment,
  eModel,
  EMODEL_VERSION,
  G107_DEFAULTS,
  G711_NO_PLC,
  G711_PLC,
  mosFromR,
  oneWayDelayMs,
} from '../../src/media/quality/emodel.js';

/*
 * Every expected figure below is worked out from the formulas of ITU-T G.107 (06/2015) with its
 * Table 3 defaults, step by step in the comments, independently of the implementation.
 *
 * Shared terms (Table 3: SLR 8, RLR 2, STMR 15, LSTR 18, Ds 3, TELR 65, WEPL 110, qdu 1, Nc −70,
 * Nfor −64, Ps = Pr = 35, A 0):
 *
 * §7.2  OLR = SLR + RLR = 10
 *       Nos = Ps − SLR − Ds − 100 + 0.004 (Ps − OLR − Ds − 14)² = 35 − 8 − 3 − 100 + 0.004 × 8² = −75.744
 *       Pre = Pr + 10 log(1 + 10^((10 − LSTR)/10)) = 35 + 10 log(1 + 10^−0.8) = 35 + 10 log 1.158489 = 35.638920
 *       Nor = RLR − 121 + Pre + 0.008 (Pre − 35)² = 2 − 121 + 35.638920 + 0.008 × 0.408219 = −83.357814
 *       Nfo = Nfor + RLR = −62
 *       No  = 10 log(10^−7 + 10^−7.5744 + 10^−8.3357814 + 10^−6.2)
 *           = 10 log(1.0e−7 + 2.664404e−8 + 4.615498e−9 + 6.309573e−7) = 10 log 7.622169e−7 = −61.179214
 *       Ro  = 15 − 1.5 (SLR + No) = 15 − 1.5 × (8 − 61.179214) = 15 + 79.768822 = 94.768822
 *
 * §7.3  Xolr = OLR + 0.2 (64 + No − RLR) = 10 + 0.2 × 0.820786 = 10.164157
 *       Iolr = 20 [(1 + (Xolr/8)^8)^(1/8) − Xolr/8] = 20 × [(1 + 1.270520^8)^(1/8) − 1.270520]
 *            = 20 × [7.789707^(1/8) − 1.270520] = 20 × (1.292529 − 1.270520) = 0.440178
 *       STMRo = −10 log(10^(−STMR/10) + e^(−T/4) 10^(−TELR/10)): T = 0 → −10 log(0.0316228 + 3.16e−7) = 14.999957;
 *               T ≥ 150 → 15 exactly (e^(−37.5) ≈ 5e−17)
 *       Ist = 12 [1 + ((STMRo − 13)/6)^8]^(1/8) − 28 [1 + ((STMRo + 1)/19.4)^35]^(1/35)
 *             − 13 [1 + ((STMRo − 3)/33)^13]^(1/13) + 29
 *           = 12.000229 − 28.000942 − 13.000002 + 29 = −0.000715 (at STMRo = 15; the same to 10⁻⁷ at T = 0)
 *       Q = 37 − 15 log qdu = 37;  G = 1.07 + 0.258 Q + 0.0602 Q² = 1.07 + 9.546 + 82.4138 = 93.0298
 *       Y = (Ro − 100)/15 + 46/8.4 − G/9 = −0.348745 + 5.476190 − 10.336644 = −5.209199
 *       Z = 46/30 − G/40 = 1.533333 − 2.325745 = −0.792412
 *       Iq = 15 log(1 + 10^Y + 10^Z) = 15 log(1 + 6.18e−6 + 0.1612829) = 15 × 0.0649403 = 0.974105
 *       Is = Iolr + Ist + Iq = 0.440178 − 0.000715 + 0.974105 = 1.413568
 *
 * §7.4 with T = Ta, Tr = 2 Ta:  Roe = −1.5 (No − RLR) = −1.5 × (−63.179214) = 94.768822
 *       Ta = 0:  Idte = 0 (factor 1 − e^0);  Rle = 10.5 (WEPL + 7)(0 + 1)^−0.25 = 10.5 × 117 = 1228.5
 *                Idle = (Ro − Rle)/2 + √((Ro − Rle)²/4 + 169) = −566.865589 + √(321336.596 + 169) = −566.865589 + 567.014635 = 0.149046
 *                Idd = 0 (Ta ≤ mT = 100)
 *
 * So with no delay and no loss:  R = Ro − Is − Id = 94.768822 − 1.413568 − 0.149046 = 93.206208
 * ("R = 93.2" of G.107's default values.)
 */
const RO = 94.768822;
const IS = 1.413568;
const IDLE_0 = 0.149046;
const R_DEFAULT = 93.206208; // RO − IS − IDLE_0

/** Annex B (B-4), computed by hand: 1 + 0.035 R + R (R − 60)(100 − R) × 7·10⁻⁶. */
describe('MOS from R (G.107 Annex B)', () => {
  it('maps the worked points', () => {
    // R = 50: 1 + 1.75 + 50 × (−10) × 50 × 7e−6 = 2.75 − 0.175 = 2.575
    expect(mosFromR(50)).toBeCloseTo(2.575, 12);
    // R = 70: 1 + 2.45 + 70 × 10 × 30 × 7e−6 = 3.45 + 0.147 = 3.597
    expect(mosFromR(70)).toBeCloseTo(3.597, 12);
    // R = 80: 1 + 2.8 + 80 × 20 × 20 × 7e−6 = 3.8 + 0.224 = 4.024
    expect(mosFromR(80)).toBeCloseTo(4.024, 12);
    // R = 90: 1 + 3.15 + 90 × 30 × 10 × 7e−6 = 4.15 + 0.189 = 4.339
    expect(mosFromR(90)).toBeCloseTo(4.339, 12);
    // R = 93.2: 1 + 3.262 + 93.2 × 33.2 × 6.8 × 7e−6 = 4.262 + 21040.832 × 7e−6 = 4.262 + 0.147286 = 4.409286
    expect(mosFromR(93.2)).toBeCloseTo(4.409286, 6);
    // The default R = 93.206208: 1 + 3.262217 + 93.206208 × 33.206208 × 6.793792 × 7e−6
    //   = 4.262217 + 21026.95 × 7e−6 = 4.262217 + 0.147189 = 4.409406 → "4.41"
    expect(mosFromR(R_DEFAULT)).toBeCloseTo(4.409406, 5);
  });

  it('clamps outside 0..100', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5); // 1 + 3.5 + 0
    expect(mosFromR(120)).toBe(4.5);
    expect(Number.isNaN(mosFromR(Number.NaN))).toBe(true);
  });
});

describe('G.107 E-model (full, Table 3 defaults, T = Ta, Tr = 2·Ta)', () => {
  it('uses the Table 3 defaults', () => {
    expect(G107_DEFAULTS).toMatchObject({ SLR: 8, RLR: 2, STMR: 15, LSTR: 18, Ds: 3, TELR: 65, WEPL: 110 });
    expect(G107_DEFAULTS).toMatchObject({ qdu: 1, Nc: -70, Nfor: -64, Ps: 35, Pr: 35, A: 0, mT: 100, sT: 1 });
  });

  it('gives R = 93.2 and MOS 4.41 with no delay and no loss', () => {
    const e = eModel({ oneWayDelayMs: 0, packetLossPercent: 0 });
    expect(e.ro).toBeCloseTo(RO, 5);
    expect(e.is).toBeCloseTo(IS, 5);
    expect([e.idte, e.idd]).toEqual([0, 0]);
    expect(e.idle).toBeCloseTo(IDLE_0, 5);
    expect(e.ieEff).toBe(0);
    expect(e.r).toBeCloseTo(R_DEFAULT, 5);
    expect(e.mosCqe).toBeCloseTo(4.409406, 5);
    expect(e.mosLqe).toBe(e.mosCqe); // no delay: listening = conversational
    expect(e.version).toBe(EMODEL_VERSION);
  });

  it('loss: Ie,eff = Ie + (95 − Ie) Ppl / (Ppl/BurstR + Bpl), G.711 Ie = 0', () => {
    // 1 %, Bpl 25.1 (PLC): 95 × 1 / (1 + 25.1) = 95 / 26.1 = 3.639847 → R = 93.206208 − 3.639847 = 89.566361
    //   MOS = 1 + 3.134823 + 89.566361 × 29.566361 × 10.433639 × 7e−6 = 4.134823 + 0.193409 = 4.328232
    let e = eModel({ oneWayDelayMs: 0, packetLossPercent: 1, codec: G711_PLC });
    expect(e.ieEff).toBeCloseTo(3.639847, 6);
    expect(e.r).toBeCloseTo(89.566361, 5);
    expect(e.mosCqe).toBeCloseTo(4.328232, 5);
    // 1 %, Bpl 4.3 (no PLC): 95 / 5.3 = 17.924528 → R = 75.281680
    //   MOS = 1 + 2.634859 + 75.281680 × 15.281680 × 24.718320 × 7e−6 = 3.634859 + 0.199057 = 3.833916
    e = eModel({ oneWayDelayMs: 0, packetLossPercent: 1, codec: G711_NO_PLC });
    expect(e.ieEff).toBeCloseTo(17.924528, 6);
    expect(e.r).toBeCloseTo(75.28168, 5);
    expect(e.mosCqe).toBeCloseTo(3.833916, 5);
    // 5 %, Bpl 25.1: 475 / 30.1 = 15.780731 → R = 77.425477
    //   MOS = 1 + 2.709892 + 77.425477 × 17.425477 × 22.574523 × 7e−6 = 3.709892 + 0.213199 = 3.923091
    e = eModel({ oneWayDelayMs: 0, packetLossPercent: 5 });
    expect(e.ieEff).toBeCloseTo(15.780731, 6);
    expect(e.r).toBeCloseTo(77.425477, 5);
    expect(e.mosCqe).toBeCloseTo(3.923091, 5);
    // 5 %, Bpl 4.3: 475 / 9.3 = 51.075269 → R = 42.130939
    //   MOS = 1 + 1.474583 + 42.130939 × (−17.869061) × 57.869061 × 7e−6 = 2.474583 − 0.304963 = 2.169620
    e = eModel({ oneWayDelayMs: 0, packetLossPercent: 5, codec: G711_NO_PLC });
    expect(e.ieEff).toBeCloseTo(51.075269, 6);
    expect(e.r).toBeCloseTo(42.130939, 5);
    expect(e.mosCqe).toBeCloseTo(2.16962, 5);
    // Bursty: 5 %, BurstR 2, Bpl 4.3: 475 / (2.5 + 4.3) = 69.852941 → R = 23.353267
    e = eModel({ oneWayDelayMs: 0, packetLossPercent: 5, burstRatio: 2, codec: G711_NO_PLC });
    expect(e.ieEff).toBeCloseTo(69.852941, 6);
    expect(e.r).toBeCloseTo(23.353267, 5);
    // 100 % loss with Bpl 25.1: 9500 / 125.1 = 75.939249 (R = 93.206208 − 75.939249 = 17.27, the floor with PLC).
    expect(effectiveEquipmentImpairment(0, 25.1, 100)).toBeCloseTo(9500 / 125.1, 9);
    expect(effectiveEquipmentImpairment(11, 19, 0)).toBe(11); // a codec's own Ie with no loss
  });

  it('delay 150 ms: talker echo, listener echo and a little Idd', () => {
    // T = Ta = 150, Tr = 300.
    // Idte: TERV = TELR − 40 log((1 + T/10)/(1 + T/150)) + 6 e^(−0.3 T²) = 65 − 40 log(16/2) + 0
    //            = 65 − 40 × 0.903090 = 28.876401
    //       Re = 80 + 2.5 (TERV − 14) = 80 + 37.191001 = 117.191001;  Roe − Re = 94.768822 − 117.191001 = −22.422180
    //       Idte = [(Roe − Re)/2 + √((Roe − Re)²/4 + 100) − 1](1 − e^−150)
    //            = −11.211090 + √(125.688536 + 100) − 1 = −11.211090 + 15.022934 − 1 = 2.811844
    // Idle: Rle = 1228.5 × 301^−0.25 = 1228.5 / 4.165255 = 294.939906;  Ro − Rle = −200.171084
    //       Idle = −100.085542 + √(10017.115720 + 169) = −100.085542 + 100.926289 = 0.840747
    // Idd:  X = log(150/100)/log 2 = 0.584963;  X⁶ = 0.040065;  (X/3)⁶ = 0.000054959
    //       Idd = 25 [(1.040065)^(1/6) − 3 (1.000054959)^(1/6) + 2] = 25 (1.006569 − 3.000027 + 2) = 0.163531
    // R = 94.768822 − 1.413568 − (2.811844 + 0.840747 + 0.163531) = 94.768822 − 1.413568 − 3.816122 = 89.539132
    // MOS = 1 + 3.133870 + 89.539132 × 29.539132 × 10.460868 × 7e−6 = 4.133870 + 0.193676 = 4.327546
    const e = eModel({ oneWayDelayMs: 150, packetLossPercent: 0 });
    expect(e.idte).toBeCloseTo(2.811844, 5);
    expect(e.idle).toBeCloseTo(0.840747, 5);
    expect(e.idd).toBeCloseTo(0.163531, 5);
    expect(e.id).toBeCloseTo(3.816122, 5);
    expect(e.r).toBeCloseTo(89.539132, 5);
    expect(e.mosCqe).toBeCloseTo(4.327546, 5);
    // Listening quality ignores delay: it stays at the default.
    expect(e.rLqe).toBeCloseTo(R_DEFAULT, 5);
    expect(e.mosLqe).toBeCloseTo(4.409406, 5);
  });

  it('delay 300 ms: Idd dominates', () => {
    // T = Ta = 300, Tr = 600.
    // Idte: TERV = 65 − 40 log(31/3) = 65 − 40 × 1.014240 = 24.430382;  Re = 80 + 2.5 × 10.430382 = 106.075956
    //       Roe − Re = −11.307135;  Idte = −5.653567 + √(31.962823 + 100) − 1 = −5.653567 + 11.487507 − 1 = 4.833940
    // Idle: Rle = 1228.5 / 601^0.25 = 1228.5 / 4.951293 = 248.117012;  Ro − Rle = −153.348191
    //       Idle = −76.674095 + √(5878.916893 + 169) = −76.674095 + 77.768354 = 1.094259
    // Idd:  X = log2 3 = 1.584963;  X⁶ = 15.853091;  (X/3)⁶ = 0.021746
    //       Idd = 25 [(16.853091)^(1/6) − 3 (1.021746)^(1/6) + 2] = 25 (1.601204 − 3.010776 + 2) = 14.760695
    // R = 94.768822 − 1.413568 − (4.833940 + 1.094259 + 14.760695) = 93.355254 − 20.688894 = 72.666360
    // MOS = 1 + 2.543323 + 72.666360 × 12.666360 × 27.333640 × 7e−6 = 3.543323 + 0.176109 = 3.719431
    const e = eModel({ oneWayDelayMs: 300, packetLossPercent: 0 });
    expect(e.idte).toBeCloseTo(4.83394, 5);
    expect(e.idle).toBeCloseTo(1.094259, 5);
    expect(e.idd).toBeCloseTo(14.760695, 5);
    expect(e.r).toBeCloseTo(72.66636, 5);
    expect(e.mosCqe).toBeCloseTo(3.719431, 5);
    expect(e.mosLqe).toBeCloseTo(4.409406, 5);
    // The exported delay term agrees when called directly.
    expect(delayImpairment(300, 600, 300).idd).toBeCloseTo(14.760695, 5);
  });

  it('a typical leg: RTT 40 ms, 10 ms jitter buffer, G.711/20, 1 % loss', () => {
    // Ta = 40/2 + 10 + 20 = 50 ms (Idd = 0).
    // Idte: TERV = 65 − 40 log(6/(1 + 1/3)) = 65 − 40 log 4.5 = 65 − 40 × 0.653213 = 38.871499
    //       Re = 80 + 2.5 × 24.871499 = 142.178749;  Roe − Re = −47.409927
    //       Idte = −23.704964 + √(561.925296 + 100) − 1 = −23.704964 + 25.727909 − 1 = 1.022945
    // Idle: Rle = 1228.5 / 101^0.25 = 1228.5 / 3.170154 = 387.520621;  Ro − Rle = −292.751799
    //       Idle = −146.375900 + √(21425.904 + 169) = −146.375900 + 146.952047 = 0.576147
    // Ie,eff (Bpl 25.1) = 3.639847
    // R = 94.768822 − 1.413568 − 1.022945 − 0.576147 − 3.639847 = 88.116315
    // MOS = 1 + 3.084071 + 88.116315 × 28.116315 × 11.883685 × 7e−6 = 4.084071 + 0.206093 = 4.290164
    const ta = oneWayDelayMs({ rttMs: 40, jitterBufferMs: 10, ptimeMs: 20 });
    expect(ta).toBe(50);
    const e = eModel({ oneWayDelayMs: ta, packetLossPercent: 1 });
    expect(e.idte).toBeCloseTo(1.022945, 5);
    expect(e.idle).toBeCloseTo(0.576147, 5);
    expect(e.idd).toBe(0);
    expect(e.r).toBeCloseTo(88.116315, 5);
    expect(e.mosCqe).toBeCloseTo(4.290164, 5);
    // LQE: the same loss at zero delay = the 1 %/Bpl 25.1 case above.
    expect(e.rLqe).toBeCloseTo(89.566361, 5);
    expect(e.mosLqe).toBeCloseTo(4.328232, 5);
    expect(e).toMatchObject({ oneWayDelayMs: 50, packetLossPercent: 1, burstRatio: 1, ie: 0, bpl: 25.1 });
  });

  it('gets worse, never better, as delay or loss grow', () => {
    let prev = Infinity;
    for (let ta = 0; ta <= 800; ta += 25) {
      const r = eModel({ oneWayDelayMs: ta, packetLossPercent: 0 }).r;
      expect(r).toBeLessThanOrEqual(prev + 1e-9);
      prev = r;
    }
    prev = Infinity;
    for (let ppl = 0; ppl <= 100; ppl += 2.5) {
      const r = eModel({ oneWayDelayMs: 100, packetLossPercent: ppl, codec: G711_NO_PLC }).r;
      expect(r).toBeLessThan(prev);
      prev = r;
    }
    // Very bad: R below 0 is reported as is; MOS clamps at 1.
    const worst = eModel({ oneWayDelayMs: 800, packetLossPercent: 40, codec: G711_NO_PLC });
    expect(worst.r).toBeLessThan(0);
    expect(worst.mosCqe).toBe(1);
  });

  it('rejects inputs outside the model', () => {
    expect(() => eModel({ oneWayDelayMs: -1, packetLossPercent: 0 })).toThrow(RangeError);
    expect(() => eModel({ oneWayDelayMs: Number.NaN, packetLossPercent: 0 })).toThrow(RangeError);
    expect(() => eModel({ oneWayDelayMs: 0, packetLossPercent: 101 })).toThrow(RangeError);
    expect(() => eModel({ oneWayDelayMs: 0, packetLossPercent: 1, burstRatio: 0 })).toThrow(RangeError);
    expect(() => eModel({ oneWayDelayMs: 0, packetLossPercent: 0, codec: { name: 'x', ie: 0, bpl: 0 } })).toThrow(RangeError);
    expect(() => oneWayDelayMs({ rttMs: -1, jitterBufferMs: 0, ptimeMs: 20 })).toThrow(RangeError);
  });

  it('names itself', () => {
    expect(EMODEL_VERSION).toMatch(/^callcert-emodel-1 \(ITU-T G\.107 06\/2015/);
    expect(EMODEL_VERSION).toContain('Bpl = 25.1 default');
    expect(EMODEL_VERSION).toContain('4.3');
  });
});
