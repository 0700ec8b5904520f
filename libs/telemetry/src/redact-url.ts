/** Query parameters whose values never reach a log line (bearer tokens of stream routes, RFC 6750 §2.3). */
const SECRET_QUERY_PARAMETERS = /([?&](?:access_token|token)=)[^&#]*/gi;

/** A request URL fit for logs: secret query values replaced by `[REDACTED]`. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY_PARAMETERS, '$1[REDACTED]');
}
