import { retryDelay } from './schedule.js';

/** Close codes the server means for good: the same request would be refused again, so there is no retry. */
export const REFUSED = {
  4400: 'The server did not accept where this stream should resume.',
  4401: 'Sign in to see live events.',
  4403: 'Your token may not watch this job.',
  4404: 'No such job.',
};

/** A cursor past anything a job has: "none of these, thanks" (a socket for lines only, or for events only). */
export const NONE = Number.MAX_SAFE_INTEGER;

/**
 * The job's WebSocket (/api/v1/jobs/{id}/events/ws): its log lines after `afterLine` and its events after
 * `afterEvent` (NONE for either side the caller does not want), for one `attempt` (0: the job's, following retries).
 * A connection lost for any reason but a refusal is opened again from the last line and event seen, as often as it
 * takes, waiting longer after each failure; `job.closed` (the attempt or job ended) ends it.
 *
 * WebSockets are not counted against a browser's six HTTP/1.1 connections per host, so a job page that follows its
 * log and its events this way never starves other tabs (an SSE stream per page would).
 *
 *   const socket = jobSocket(id, { attempt, afterLine, afterEvent }, { lines, event, closed, state });
 *   socket.close();
 *
 * Handlers: lines(batch) with {attempt, lines}; event(e); closed(msg) with {status, attempt}; state(s, refusal) where
 * s is 'connecting' | 'live' | 'reconnecting' | 'closed' | 'error' and refusal the REFUSED text.
 */
export function jobSocket(jobId, { attempt = 0, afterLine = NONE, afterEvent = NONE }, handlers) {
  const on = { lines() {}, event() {}, closed() {}, state() {}, ...handlers };
  let ws = null;
  let failures = 0;
  let ended = false;
  let retryTimer = null;

  const connect = () => {
    on.state(failures ? 'reconnecting' : 'connecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}/api/v1/jobs/${encodeURIComponent(jobId)}/events/ws`
      + `?attempt=${attempt}&after_line=${afterLine}&after_event=${afterEvent}`);
    ws = socket;
    socket.onopen = () => { failures = 0; on.state('live'); };
    socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'lines') {
        if (msg.lines.length) afterLine = msg.lines[msg.lines.length - 1].number;
        on.lines(msg);
      } else if (msg.type === 'event') {
        afterEvent = msg.event.id;
        on.event(msg.event);
      } else if (msg.type === 'job.closed') {
        ended = true;
        on.closed(msg);
      }
    };
    socket.onclose = (e) => {
      if (socket !== ws) return; // closed by us
      ws = null;
      if (REFUSED[e.code]) {
        on.state('error', REFUSED[e.code]);
      } else if (ended) {
        on.state('closed');
      } else {
        on.state('reconnecting');
        retryTimer = setTimeout(connect, retryDelay(failures++));
      }
    };
  };
  connect();
  return {
    close() {
      clearTimeout(retryTimer);
      const socket = ws;
      ws = null; // first, so its onclose knows it was us
      socket?.close();
    },
  };
}
