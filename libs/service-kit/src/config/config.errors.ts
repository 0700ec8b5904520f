/** One environment variable that failed validation. */
export interface ConfigProblem {
  /** The environment variable name. */
  variable: string;
  /** What was expected, e.g. `HTTP_PORT must not be greater than 65535`. */
  message: string;
  /** The raw value as given (secrets masked); `undefined` when unset. */
  value?: string;
}

/**
 * Thrown by {@link parseEnv} at boot; not retryable, the process should exit.
 * The message names every bad variable: `invalid configuration: HTTP_PORT must
 * not be greater than 65535 (got "70000")`.
 */
export class ConfigError extends Error {
  /** Stable code for log queries and exit handling. */
  readonly code = 'config_invalid';
  readonly retryable = false;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map(describe).join('; ')}`);
    this.name = 'ConfigError';
  }
}

function describe(problem: ConfigProblem): string {
  return `${problem.message} (${problem.value === undefined ? 'not set' : `got ${JSON.stringify(problem.value)}`})`;
}
