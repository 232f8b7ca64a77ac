/**
 * The CTI API's recordings (cti-api.ts routes /v1/recordings/:callId[/audio]): the JSON view of a
 * recording's metadata, with a URL per direction, and the WAV streamed from the recorder's file.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { RECORDING_DIRECTIONS } from '../media/recording-files.js';
import type { RecordingMeta } from './recorder.js';

/** The metadata as served: `url` is the caller leg (what the platform received), each direction has its own. */
export function recordingView(meta: RecordingMeta, base: string) {
  const directions = Object.fromEntries(
    RECORDING_DIRECTIONS.map((d) => [d, { ...meta.directions[d], url: `${base}/audio?direction=${d}` }]),
  );
  return { ...meta, url: `${base}/audio?direction=caller`, createdAt: meta.endedAt, directions };
}

/** Streams a WAV file; false (nothing sent) when it is not there. */
export async function serveRecording(res: ServerResponse, path: string): Promise<boolean> {
  const st = await stat(path).catch(() => null);
  if (st === null || !st.isFile()) return false;
  res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': st.size, 'cache-control': 'no-store' });
  // A file deleted between stat and open: the response is cut, as any server's would be.
  await pipeline(createReadStream(path), res).catch(() => res.destroy());
  return true;
}
