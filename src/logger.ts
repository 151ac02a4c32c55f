// Structured JSON-lines logging. Every line passes through `redact`, so a secret that slips into a
// field (an Authorization header, a master secret) is replaced before it is written.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stderr. Tests pass a collector. */
  write?: (line: string) => void;
  /** Values that must never appear in a log line (secrets known at start-up). */
  secrets?: () => Iterable<string>;
}

const SENSITIVE_KEY = /authorization|secret|password|token|cookie/i;

export function createLogger(options: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    let line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...bound, ...fields }, redactKeys);
    for (const secret of options.secrets?.() ?? []) {
      if (secret.length >= 6) line = line.split(secret).join('[REDACTED]');
    }
    write(line);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function redactKeys(key: string, value: unknown): unknown {
  return key !== '' && SENSITIVE_KEY.test(key) && value != null && typeof value !== 'object' ? '[REDACTED]' : value;
}
