// Structured JSON-lines logging on pino. Credential-named fields are redacted by path, and every
// finished line passes the same scrubbing as client-facing upstream text (src/http/scrub.ts): known
// secrets, `Basic`/`Bearer` values and anything credential-shaped are replaced before it is written.
// With tracing on, each line carries the active trace and span ids.
import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { scrub } from './scrub.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Writes what is buffered (before exit). */
  flush(): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (one call per line, without the newline); defaults to stdout. Tests pass a collector. */
  write?: (line: string) => void;
  /** Values that must never appear in a log line (secrets known at start-up). */
  secrets?: () => Iterable<string>;
}

/**
 * Fields named like credentials, by exact path (wildcard paths cost every line a walk); nested ones
 * are caught by the scrubbing of the finished line, which knows credential-named fields by their name.
 */
const REDACT = ['authorization', 'password', 'secret', 'masterSecret', 'token', 'cookie', 'headers.authorization', 'headers.cookie', 'credentials'];

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const destination: DestinationStream = options.write ? { write: (line: string) => options.write!(line.endsWith('\n') ? line.slice(0, -1) : line) } : buffered();
  const base = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        return span ? { traceId: span.traceId, spanId: span.spanId } : {};
      },
      hooks: { streamWrite: (line) => scrub(line, { secrets: secrets() }) },
    },
    destination,
  );
  return wrap(base);
}

/** How long a line may wait in the buffer: at low traffic a 4 KB buffer could hold a line for minutes. */
const FLUSH_EVERY_MS = 500;

/** stdout, written in 4 KB chunks under load and at least every FLUSH_EVERY_MS (the timer keeps no process alive). */
function buffered(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    // Flushing while the stream is not ready yet (or is ending) would throw: those lines go out with the next flush.
    try {
      stream.flush();
    } catch {}
  }, FLUSH_EVERY_MS).unref();
  return stream;
}

function wrap(log: Pino): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    child: (fields) => wrap(log.child(fields)),
    flush: () => log.flush(),
  };
}
