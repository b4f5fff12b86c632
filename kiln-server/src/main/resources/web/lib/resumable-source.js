import { retryDelay } from './schedule.js';

/**
 * A server-sent event stream that comes back after any failure and resumes where it stopped.
 *
 * The browser's EventSource retries a dropped connection by itself, sending Last-Event-ID. It gives up for good when
 * an attempt gets an HTTP error (a 502/503 while the server restarts): then a new EventSource is opened here, from
 * the last id seen (`urlAfter(cursor)`), waiting longer after each failure (retryDelay).
 *
 * cursor: where to start, or null for the stream's own default (the global stream: from now); urlAfter(cursor) is
 * asked again for each new EventSource, with the last id seen.
 * handlers: { eventName: (data, messageEvent) => … } for the named events the server sends (JSON data).
 * onState('connecting' | 'live' | 'retrying'), optional, tells the connection's health.
 * Returns { close(), cursor }: cursor is the last id seen, for reopening later from the same place.
 */
export function resumableSource(urlAfter, cursor, handlers, onState = () => {}) {
  let source = null;
  let retryTimer = null;
  let failures = 0;
  let closed = false;

  const open = () => {
    onState('connecting');
    source = new EventSource(urlAfter(cursor));
    source.onopen = () => { failures = 0; onState('live'); };
    source.onerror = () => {
      if (closed) return;
      if (source.readyState !== EventSource.CLOSED) { onState('connecting'); return; } // the browser retries
      source = null;
      onState('retrying');
      retryTimer = setTimeout(open, retryDelay(failures++));
    };
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (e) => {
        if (e.lastEventId) cursor = e.lastEventId;
        handle(JSON.parse(e.data), e);
      });
    }
  };

  open();
  return {
    get cursor() { return cursor; },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      source?.close();
    },
  };
}
