import { api } from './api-client.js';
import { subscribe } from './live.js';
import { coalesce, poll } from './schedule.js';
import { TERMINAL } from './status.js';

const POLL_MS = 3000;

/**
 * The job page's one watch on a job's status (GET /status, which also says why a queued job waits).
 * The live connection's events for this job ask at once; polling every 3 s covers what no event of this job
 * announces (its place in the queue moves when other jobs start) and a connection that is down. Polling stops when
 * the job ends and starts again if an event says it is back (a retry); it pauses while the tab is hidden.
 *
 * onStatus(status, news) gets every answer, with the kinds of this job's events since the last one (a Set, empty
 * after a plain poll): an output or artifact changes the job without changing its status. Errors go to onError.
 * Returns the way to stop watching.
 */
export function watchJob(jobId, onStatus, onError = () => {}) {
  let stopPolling = null;
  let stopped = false;
  let news = new Set();

  const check = async () => {
    const kinds = news;
    news = new Set();
    try {
      const status = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/status`);
      if (stopped) return;
      onStatus(status, kinds);
      if (TERMINAL.has(status.status)) {
        stopPolling?.();
        stopPolling = null;
      } else if (!stopPolling) {
        startPolling();
      }
    } catch (e) {
      if (!stopped) onError(e);
    }
  };
  const startPolling = () => {
    stopPolling = poll(check, POLL_MS);
  };
  const checkSoon = coalesce(check, 100);
  const unsubscribe = subscribe({ kinds: ['job.', 'service.'], jobId }, (event) => {
    news.add(event.kind);
    checkSoon();
  });

  startPolling();
  return () => {
    stopped = true;
    unsubscribe();
    checkSoon.cancel();
    stopPolling?.();
  };
}
