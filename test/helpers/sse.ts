/** A server-sent-events client for tests: the messages of a stream until a predicate holds (or a deadline). */

export interface SseMessage {
  event: string;
  data: unknown;
}

/** Reads `url` until `done(messages)` is true; throws with what came when the stream ends or `timeoutMs` passes first. */
export async function readSse(url: string, done: (messages: SseMessage[]) => boolean, timeoutMs: number): Promise<SseMessage[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const messages: SseMessage[] = [];
  let text = '';
  try {
    const res = await fetch(url, { signal: ac.signal });
    if (res.headers.get('content-type') !== 'text/event-stream') throw new Error(`${url}: ${res.status}, not an event stream`);
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error(`${url}: the stream ended after ${messages.length} messages`);
      text += Buffer.from(value).toString('utf8');
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) messages.push({ event, data: JSON.parse(data) });
      }
      if (done(messages)) return messages;
    }
  } catch (e) {
    if (ac.signal.aborted) throw new Error(`${url}: no end within ${timeoutMs} ms; got ${messages.map((m) => m.event).join(', ')}`);
    throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
