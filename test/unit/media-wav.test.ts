import { describe, expect, it } from 'vitest';
import { parseWav, wavHeader } from '../../src/media/wav.js';

describe('WAV', () => {
  it('a G.711 stereo header reads back: 8 kHz, 2 channels, 10 s of frames', () => {
    const data = Buffer.alloc(2 * 8000 * 10, 0xff);
    const h = wavHeader({ format: 'pcmu', channels: 2, sampleRateHz: 8000, dataBytes: data.length });
    expect(h.length).toBe(58); // RIFF 12 + fmt 8+18 + fact 8+4 + data 8
    const file = Buffer.concat([h, data]);
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    const info = parseWav(file);
    expect(info).toEqual({ format: 'pcmu', channels: 2, sampleRateHz: 8000, dataOffset: 58, dataBytes: 160_000, frames: 80_000, durationMs: 10_000 });
  });

  it('PCM 16-bit: the canonical 44-byte header (byte rate 16000 for mono 8 kHz)', () => {
    const h = wavHeader({ format: 'pcm16', channels: 1, sampleRateHz: 8000, dataBytes: 3200 });
    expect(h.length).toBe(44);
    expect(h.readUInt32LE(28)).toBe(16000);
    expect(h.readUInt16LE(32)).toBe(2);
    const info = parseWav(Buffer.concat([h, Buffer.alloc(3200)]));
    expect('error' in info ? info.error : info.durationMs).toBe(200);
  });

  it('a file still being written counts what it holds; bad files say why', () => {
    const h = wavHeader({ format: 'pcma', channels: 1, sampleRateHz: 8000, dataBytes: 8000 });
    const info = parseWav(Buffer.concat([h, Buffer.alloc(800)]));
    expect('error' in info ? info.error : info.durationMs).toBe(100);
    expect(parseWav(Buffer.from('nope'))).toEqual({ error: 'not a RIFF/WAVE file' });
    const odd = wavHeader({ format: 'pcm16', channels: 1, sampleRateHz: 8000, dataBytes: 0 });
    odd.writeUInt16LE(85, 20); // MP3
    expect(parseWav(odd)).toEqual({ error: 'unsupported format tag 85 with 16 bits (expected PCM 16-bit, A-law or µ-law 8-bit)' });
  });
});
