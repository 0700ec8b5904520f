/**
 * What the api tells the dashboard's browser code (`/dashboard/config.json`) and
 * the headers that confine the page. Pure: built once from the api's config.
 */

/**
 * `DASHBOARD_EVENTS_URL`: an absolute http(s) URL without query or fragment
 * (the event-notifier on another origin), or a path starting with `/` (an
 * ingress serves the event-notifier's stream routes on the api's origin).
 */
export const DASHBOARD_EVENTS_URL_PATTERN = /^(https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?|\/[^\s?#]*)$/;

/** Body of `GET /dashboard/config.json`. */
export interface DashboardClientConfig {
  /**
   * Base of the event-notifier's routes (`<eventsUrl>/api/v1/events/stream`), without a trailing
   * slash; `''` or a path means the dashboard's own origin.
   */
  eventsUrl: string;
}

/** The settings of the dashboard routes. */
export interface DashboardSettings {
  client: DashboardClientConfig;
  /** `Content-Security-Policy` of every dashboard response. */
  contentSecurityPolicy: string;
}

/** Builds the settings from `DASHBOARD_EVENTS_URL` (already validated against {@link DASHBOARD_EVENTS_URL_PATTERN}). */
export function dashboardSettings(eventsUrl: string): DashboardSettings {
  const base = eventsUrl.replace(/\/+$/, '');
  const eventsOrigin = /^https?:\/\//.test(base) ? new URL(base).origin : undefined;
  return { client: { eventsUrl: base }, contentSecurityPolicy: contentSecurityPolicy(eventsOrigin) };
}

/**
 * Only the page's own scripts and styles, no inline code, no framing; the one
 * other origin it may connect to is the event-notifier's (EventSource is
 * governed by `connect-src`). The bearer token lives in the page, so an
 * injected script would be the worst bug it could have: this bounds it.
 */
export function contentSecurityPolicy(eventsOrigin?: string): string {
  const connect = eventsOrigin ? `'self' ${eventsOrigin}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
