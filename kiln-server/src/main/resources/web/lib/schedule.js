// When background work runs: polling that stops in hidden tabs, bursts of live events folded into one call,
// and the growing wait between reconnect attempts.

/**
 * Calls fn now and then every ms while the tab is visible (Page Visibility): a hidden tab makes no requests, and
 * catches up at once when shown again. fn gets `stop` to end the polling itself (say, when a job has ended).
 * Errors are fn's to show; polling goes on. Returns `stop`.
 */
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
  const tick = async () => {
    timer = null;
    if (stopped || document.hidden) return;
    try { await fn(stop); } catch { /* shown by fn's owner */ }
    if (!stopped && timer === null) timer = setTimeout(tick, ms);
  };
  const onVisible = () => { if (!document.hidden && timer === null) tick(); };
  document.addEventListener('visibilitychange', onVisible);
  tick();
  return stop;
}

/**
 * fn at most once per ms however often this is called: live events come in bursts (a job's queued, assigned and
 * started within milliseconds) and one reload answers them all. `.cancel()` drops a pending call.
 */
export function coalesce(fn, ms) {
  let timer = null;
  const call = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
  call.cancel = () => { clearTimeout(timer); timer = null; };
  return call;
}

/**
 * How long to wait before reconnect attempt n (0, 1, 2, …): 0.5 s doubling to 30 s, each ±25% so tabs that lost
 * the server together do not all come back in the same millisecond.
 */
export function retryDelay(n) {
  return Math.min(30_000, 500 * 2 ** n) * (0.75 + Math.random() / 2);
}
