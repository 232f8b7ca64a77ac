/**
 * Reading a run's calls.jsonl back (one record per call, written by outputs/results-dir from
 * engine/worker/interval-collector.ts): streamed line by line, so a long run's records are never
 * held in memory at once. The recording probe reads the file after the run; the report reads the
 * bytes it attaches, so what it plots is what it attaches.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

export interface CallRecordsOptions {
  /** Only lines holding this text are parsed (a cheap skip of records that cannot match). */
  contains?: string;
  /** A line that is not JSON: skipped, or an error naming the line. Valid JSON that is not an object is skipped. */
  malformed: 'skip' | 'throw';
}

/** The records of calls.jsonl (a file path, or its bytes), in file order. */
export async function* readCallRecords(source: string | Buffer, o: CallRecordsOptions): AsyncGenerator<Record<string, unknown>> {
  const input = typeof source === 'string' ? createReadStream(source) : Readable.from([source]);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line === '' || (o.contains !== undefined && !line.includes(o.contains))) continue;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (e) {
        if (o.malformed === 'skip') continue;
        throw new Error(`calls.jsonl line ${n}: ${(e as Error).message}`);
      }
      if (typeof rec === 'object' && rec !== null && !Array.isArray(rec)) yield rec as Record<string, unknown>;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
