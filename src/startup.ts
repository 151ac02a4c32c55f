// Start-up failures as one or two plain lines saying what to change — never a stack trace. The
// configuration's own problems are listed by src/config/index.ts; this covers what fails after it.
import { RegistryError } from './registry/index.js';

export function startupProblem(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE') return `cannot listen on ${e.address ?? ''}:${e.port ?? ''}: the port is in use by another process.\n  Stop it, or set PORT to a free port.`;
  if (e?.code === 'EACCES' && e.syscall === 'listen')
    return `cannot listen on port ${e.port ?? ''}: permission denied.\n  Use a port above 1023, or run with the right to bind it.`;
  if (e?.code === 'EADDRNOTAVAIL')
    return `cannot listen on ${e.address ?? 'HOST'}: no such address on this machine.\n  Set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all).`;
  if (error instanceof RegistryError) return `cannot open the app registry: ${error.message}`;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'ETIMEDOUT') {
    return `cannot reach a service the configuration names (${e.code}${e.address ? ` ${e.address}${e.port ? `:${e.port}` : ''}` : ''}).\n  Check DATABASE_URL, or start the database.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `could not start: ${message.split('\n')[0]}`;
}
