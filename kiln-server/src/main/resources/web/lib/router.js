// Moving between pages without reloading: history.pushState plus one event the shell listens for.

const NAVIGATED = 'kiln-navigate';

export function navigate(path, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** Calls fn after every navigation: ours (navigate) and the browser's (back, forward). Returns the way to stop. */
export function onNavigation(fn) {
  window.addEventListener('popstate', fn);
  window.addEventListener(NAVIGATED, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(NAVIGATED, fn);
  };
}

/**
 * Same-origin links (<a href="/…">) navigate in place. Left alone, so the browser does what the user asked: modified
 * clicks (new tab), target=, download links and the API's own URLs.
 */
export function handleLinkClicks() {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const a = e.composedPath().find((n) => n.tagName === 'A');
    const href = a?.getAttribute('href');
    if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/api/')
        || a.target || a.hasAttribute('download')) return;
    e.preventDefault();
    navigate(href);
  });
}

/**
 * A matcher for a route table: `[{ path: '/jobs/:jobId', … }]` → `match(pathname)` giving the first route whose
 * pattern fits, with `params` ({ jobId: '…' }, decoded). A `:name` matches one path segment; a trailing slash is
 * ignored. No route fits → `fallback` with params { path }.
 */
export function routeMatcher(routes, fallback) {
  const compiled = routes.map((route) => {
    const names = [];
    const pattern = route.path.replace(/\/$/, '').replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
    return { route, names, regex: new RegExp(`^${pattern}/?$`) };
  });
  return (pathname) => {
    for (const { route, names, regex } of compiled) {
      const m = regex.exec(pathname);
      if (m) return { ...route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
    }
    return { ...fallback, params: { path: pathname } };
  };
}
