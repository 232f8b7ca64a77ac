/**
 * How a call's recording is named on disk: one WAV per direction, `<stem>.<direction>.wav`, and
 * its metadata `<stem>.json`, where the stem is the SIP Call-ID made safe as a file name. The
 * simulator writes these names and the recording probe's `{{callId}}` in a directory template
 * renders the same stem, so a probe pointed at the simulator's directory finds its files.
 */

/** The two legs of a recorded call: what the platform received from the caller, and what it sent back. */
export const RECORDING_DIRECTIONS = ['caller', 'echo'] as const;
export type RecordingDirection = (typeof RECORDING_DIRECTIONS)[number];

/**
 * The Call-ID as a file-name part: characters other than A–Z a–z 0–9 . _ @ + - are percent-encoded
 * (UTF-8), so no Call-ID can name another directory ("/", "..") and the mapping is reversible.
 */
export function recordingStem(callId: string): string {
  const safe = callId.replace(/[^A-Za-z0-9._@+-]/gu, (ch) => encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  // A stem of dots alone would be "." or "..": encode its first dot.
  return /^\.+$/.test(safe) ? `%2E${safe.slice(1)}` : safe;
}

export const recordingAudioFile = (callId: string, direction: RecordingDirection): string => `${recordingStem(callId)}.${direction}.wav`;
export const recordingMetaFile = (callId: string): string => `${recordingStem(callId)}.json`;
