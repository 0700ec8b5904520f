/** What the SDK logs through: a pino/console-like logger. Fields are structured context. */
export interface WorkerLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The default: the SDK stays quiet unless given a logger. */
export const silentLogger: WorkerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
