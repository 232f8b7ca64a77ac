/**
 * The scenario's `media:` section (how calls carry voice when `call.media` names a codec), its
 * defaults and its normalised form; the scenario schema composes it, as it does the load's.
 */
import { z } from 'zod';
import { expect, numberSchema } from '../util/schema-fields.js';
import type { SourceSpec } from './source.js';
import type { G711Law } from './g711.js';

export const MEDIA_CODECS = ['pcmu', 'pcma', 'none'] as const;
export type MediaCodecChoice = (typeof MEDIA_CODECS)[number];

export const MEDIA_DEFAULTS = {
  codec: 'none' as MediaCodecChoice,
  source: 'prompt',
  marker: true,
  ports: { min: 16384, max: 32767 },
} as const;

export const CallMediaSchema = z
  .enum(MEDIA_CODECS, { error: expect('pcmu, pcma or none') })
  .meta({
    description: 'Voice on every call: G.711 µ-law (pcmu) or A-law (pcma) RTP both ways, measured per call; none: signalling only. A scenario file without it is none; a run from flags alone (no file) defaults to pcmu.',
    default: MEDIA_DEFAULTS.codec,
  });

const ToneSchema = z.strictObject(
  {
    tone: numberSchema({ gt: 0, max: 3999, what: 'a frequency in Hz' }).meta({ description: 'Frequency in Hz (below 4 kHz).' }),
    level: numberSchema({ min: -60, max: 0, what: 'a level in dBov' }).optional().meta({ description: 'Level in dBov (0: full scale).', default: -10 }),
  },
  { error: expect('a tone mapping { tone: <Hz>, level: <dBov> }') },
);

export const MediaSchema = z
  .strictObject(
    {
      source: z
        .union([z.enum(['prompt', 'silence'], { error: expect('prompt, silence or { tone, level }') }), ToneSchema], {
          error: expect('prompt, silence or { tone: <Hz>, level: <dBov> }'),
        })
        .optional()
        .meta({ description: 'What each call sends: a generated speech-like prompt, silence, or a tone.', default: MEDIA_DEFAULTS.source }),
      marker: z
        .boolean({ error: expect('true or false') })
        .optional()
        .meta({ description: 'Tag each packet with its call, to detect crossed media through an echo or a bit-exact relay.', default: MEDIA_DEFAULTS.marker }),
      ports: z
        .strictObject(
          {
            min: numberSchema({ int: true, min: 1024, max: 65534 }),
            max: numberSchema({ int: true, min: 1025, max: 65535 }),
          },
          { error: expect('a port range { min, max }') },
        )
        .refine((r) => r.max > r.min, { error: expect('a port range with max > min') })
        .optional()
        .meta({ description: 'Local RTP ports (even RTP, RTCP + 1); each worker takes its share.', default: MEDIA_DEFAULTS.ports }),
    },
    { error: expect('a mapping { source, marker, ports }') },
  )
  .optional()
  .meta({ description: 'How calls carry voice when call.media names a codec.' });

export type MediaInput = z.infer<typeof MediaSchema>;

export interface MediaSpec {
  /** null: signalling only. */
  codec: G711Law | null;
  source: SourceSpec;
  marker: boolean;
  ports: { min: number; max: number };
}

export function normalizeMedia(codec: MediaCodecChoice | undefined, m: MediaInput): MediaSpec {
  const c = codec ?? MEDIA_DEFAULTS.codec;
  const src = m?.source ?? MEDIA_DEFAULTS.source;
  return {
    codec: c === 'none' ? null : c,
    source: typeof src === 'string' ? { kind: src } : { kind: 'tone', hz: src.tone, dbov: src.level ?? -10 },
    marker: m?.marker ?? MEDIA_DEFAULTS.marker,
    ports: { ...(m?.ports ?? MEDIA_DEFAULTS.ports) },
  };
}

/** Worker `i` of `n`'s share of a port range: even-aligned, disjoint slices. */
export function workerPorts(range: { min: number; max: number }, i: number, n: number): { min: number; max: number } {
  const lo = range.min + (range.min % 2);
  const pairs = Math.floor((range.max - lo + 1) / 2);
  const from = Math.floor((pairs * i) / n);
  const to = Math.floor((pairs * (i + 1)) / n);
  return { min: lo + 2 * from, max: lo + 2 * to - 1 };
}
