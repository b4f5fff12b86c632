import { routeMatcher } from './lib/router.js';
import './pages/build.js';
import './pages/graph.js';
import './pages/home.js';
import './pages/job.js';
import './pages/login.js';
import './pages/not-found.js';
import './pages/notifications.js';
import './pages/partition.js';
import './pages/partitions.js';
import './pages/queue.js';
import './pages/services.js';
import './pages/releases.js';
import './pages/submit.js';

/**
 * Every page of the dashboard: a path pattern and the element that draws it. `:name` in a pattern matches one path
 * segment and is given to the element as the property `name`. `nav` puts the page in the top bar under that label;
 * `public` pages are shown signed out. The server answers any path without a dot with index.html, so a new page
 * needs only its line here (and its module imported above).
 */
export const ROUTES = [
  { path: '/', page: 'kiln-home-page', nav: 'Activity' },
  { path: '/jobs', page: 'kiln-home-page' },
  { path: '/jobs/:jobId', page: 'kiln-job-page' },
  { path: '/graph', page: 'kiln-graph-page', nav: 'Graph' },
  { path: '/builds/:buildId', page: 'kiln-build-page' },
  { path: '/partitions', page: 'kiln-partitions-page', nav: 'Partitions' },
  { path: '/partitions/:ref', page: 'kiln-partition-page' },
  { path: '/queue', page: 'kiln-queue-page', nav: 'Queue & workers' },
  { path: '/services', page: 'kiln-services-page', nav: 'Services' },
  { path: '/releases', page: 'kiln-releases-page', nav: 'Releases' },
  { path: '/releases/:name/:version', page: 'kiln-release-page' },
  { path: '/submit', page: 'kiln-submit-page', nav: 'Submit' },
  { path: '/notifications', page: 'kiln-notifications-page', nav: 'Notifications' },
  { path: '/login', page: 'kiln-login', public: true },
];

export const matchRoute = routeMatcher(ROUTES, { page: 'kiln-not-found' });
