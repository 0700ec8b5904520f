import { ValidateBy } from 'class-validator';

/** When `GET /api/v1/jobs/{id}/detail` was deprecated (issue 3 of the control plane). */
export const LEGACY_DETAIL_DEPRECATED_AT = new Date('2026-11-23T00:00:00Z');

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant `API_LEGACY_SUNSET` names: a date (`2027-06-30`, midnight UTC) or
 * an ISO 8601 date-time with a time zone; undefined when it is neither.
 */
export function parseSunset(value: string): Date | undefined {
  if (!DATE_ONLY.test(value) && !DATE_TIME.test(value)) return undefined;
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2027-02-30 over into March: the day must survive the round trip.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  return new Date(ms);
}

/** Config decorator: a value {@link parseSunset} accepts. */
export function IsLegacySunset(): PropertyDecorator {
  return ValidateBy({
    name: 'isLegacySunset',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseSunset(value) !== undefined,
      defaultMessage: (args) => `${args?.property ?? 'API_LEGACY_SUNSET'} must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone`,
    },
  });
}

/**
 * Headers of a response from a deprecated route: `Deprecation` (RFC 9745, a
 * structured-field date: `@<unix seconds>`), `Sunset` (RFC 8594, an HTTP-date)
 * and `Link` to the route that replaces it (`rel="successor-version"`).
 */
export function deprecationHeaders(p: { deprecatedAt: Date; sunset: Date; successor: string }): Record<string, string> {
  return {
    Deprecation: `@${Math.floor(p.deprecatedAt.getTime() / 1000)}`,
    Sunset: p.sunset.toUTCString(),
    Link: `<${p.successor}>; rel="successor-version"`,
  };
}
