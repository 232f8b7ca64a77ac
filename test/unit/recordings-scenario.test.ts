/**
 * The scenario's recording sections: embedded.recordings (off by default, needs media, only
 * without a target) and the probe (`recordings`: exactly one source, known template variables,
 * a path only where it can be resolved), and the recording_completeness criterion's rules. Every
 * error names the file, the field and what was expected.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioIssues, type RawScenario } from '../helpers/scenario-issues.js';
import { scenarioFromObject } from '../../src/scenario/load.js';

type Raw = RawScenario;
const base = (): Raw => ({
  name: 'x',
  load: { model: 'closed', stages: [{ duration: '1s', target: 2 }, { duration: '2s', target: 2 }] },
  call: { hold: '1s', media: 'pcmu' },
});

const issues = (mutate: (o: Raw) => void): string[] => scenarioIssues(base, mutate);

describe('recordings in a scenario', () => {
  it('off by default; set, the directory resolves against the scenario file and maxCount defaults to 1000', () => {
    const off = scenarioFromObject(base(), 'x.yaml');
    expect(off.embedded.recordings).toBeNull();
    expect(off.recordings).toBeNull();
    const on = scenarioFromObject({ ...base(), embedded: { recordings: { dir: 'recs', maxAge: '2h' } } }, '/tmp/s/x.yaml');
    expect(on.embedded.recordings).toEqual({ dir: resolve('/tmp/s/recs'), maxAgeMs: 7_200_000, maxCount: 1000 });
  });

  it('a probe normalises with its defaults; the marker check follows media.marker', () => {
    const s = scenarioFromObject({ ...base(), media: { marker: false }, recordings: { http: { url: '/v1/recordings/{{callId}}/audio', auth: { username: 'u', password: 'p' } } } }, 'x.yaml');
    expect(s.recordings).toEqual({
      source: { kind: 'http', url: '/v1/recordings/{{callId}}/audio', auth: { kind: 'basic', username: 'u', password: 'p' }, headers: {}, timeoutMs: 10_000 },
      sample: null, toleranceMs: 1000, silenceDbov: -50, marker: false, delayMs: 0, concurrency: 8,
    });
  });

  it.each<[string, (o: Raw) => void, string]>([
    ['both sources', (o) => { o.recordings = { http: { url: '/r/{{callId}}' }, directory: './r/{{callId}}.wav' }; },
      'x.yaml: recordings: expected exactly one source: http, directory or rtpengine, got "http and directory"'],
    ['no source', (o) => { o.recordings = { sample: 5 }; }, 'x.yaml: recordings: expected exactly one source: http, directory or rtpengine, got "none"'],
    ['a directory and an rtpengine spool', (o) => { o.recordings = { directory: './r/{{callId}}.wav', rtpengine: '/var/spool/rtpengine' }; },
      'x.yaml: recordings: expected exactly one source: http, directory or rtpengine, got "directory and rtpengine"'],
    ['an empty rtpengine spool path', (o) => { o.recordings = { rtpengine: '' }; },
      'x.yaml: recordings.rtpengine: expected a non-empty directory path (rtpengine\'s --recording-dir), got ""'],
    ['an unknown variable', (o) => { o.recordings = { directory: './r/{{callid}}.wav' }; },
      'x.yaml: recordings.directory: expected variables among {{callId}}, {{callIdRaw}}, {{callIdUrl}}, {{index}}, {{worker}}, {{date}}, got "{{callid}}"'],
    ['a template naming no call', (o) => { o.recordings = { directory: './r/all.wav' }; },
      'x.yaml: recordings.directory: expected a template naming the call: {{callId}}, {{callIdRaw}}, {{callIdUrl}} or {{index}}, got "./r/all.wav"'],
    ['a path with a target', (o) => { o.target = { uri: 'sip:ivr@127.0.0.1:5080' }; o.recordings = { http: { url: '/r/{{callId}}' } }; },
      'x.yaml: recordings.http.url: expected an absolute URL, or http.baseUrl, when a target is given (a path goes to the embedded CTI API), got "/r/{{callId}}"'],
    ['a probe without media', (o) => { o.call.media = 'none'; o.recordings = { directory: './r/{{callId}}.wav' }; },
      'x.yaml: recordings: expected call.media pcmu or pcma (a recording of a call without audio cannot be told from a silent one; --media pcmu), got "none"'],
    ['embedded recording without media', (o) => { o.call.media = 'none'; o.embedded = { recordings: { dir: 'r' } }; },
      'x.yaml: embedded.recordings: expected call.media pcmu or pcma (the call centre records the RTP it echoes; --media pcmu), got "none"'],
    ['embedded recording with a target', (o) => { o.target = { uri: 'sip:ivr@127.0.0.1:5080' }; o.embedded = { recordings: { dir: 'r' } }; },
      'x.yaml: embedded.recordings: expected no target (the embedded call centre records only when it is the target), got "a target"'],
    ['a retention count of 0', (o) => { o.embedded = { recordings: { dir: 'r', maxCount: 0 } }; }, 'x.yaml: embedded.recordings.maxCount: expected a whole number >= 1, got 0'],
    ['the criterion without a probe', (o) => { o.criteria = { recording_completeness: '>=0.99' }; },
      'x.yaml: criteria.recording_completeness: expected a recordings section (recording_completeness is measured by the recording probe after the run), got nothing'],
  ])('%s', (_what, mutate, line) => {
    expect(issues(mutate)).toContain(line);
  });

  it('recording_completeness is a ratio criterion: >=0.99 and 99% both read', () => {
    const s = scenarioFromObject({ ...base(), recordings: { directory: './r/{{callId}}.caller.wav' }, criteria: { recording_completeness: ['>=0.99', '>=99%'] } }, 'x.yaml');
    expect(s.criteria.map((c) => [c.metric, c.op, c.threshold])).toEqual([['recording_completeness', '>=', 0.99], ['recording_completeness', '>=', 0.99]]);
  });
});
