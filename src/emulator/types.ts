// Public types of the emulator, kept apart so the service handlers and shared modules can import them
// without importing the server (index.ts re-exports them unchanged).

export interface EmulatorApp {
  appKey: string;
  masterSecret: string;
  name: string;
  androidPackage: string;
  groupName: string | null;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  latencyMs?: number;
  now?: () => number;
  rateLimits?: { jmlinkLinksPerMinute?: number; jmlinkStatsPerMinute?: number };
}

export type ServiceName = 'jmlink' | 'portrait';

export interface RecordedCall {
  service: ServiceName;
  method: string;
  path: string;
  query: Record<string, string>;
  appKey: string | null;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface Fault {
  service?: ServiceName;
  pathPattern?: string;
  times?: number;
  delayMs?: number;
  kind?: 'status' | 'business' | 'timeout' | 'reset' | 'malformed' | 'empty';
  status?: number;
  code?: number | string;
}

export interface Emulator {
  url: string;
  apps: EmulatorApp[];
  calls: RecordedCall[];
  countCalls(filter?: { service?: RecordedCall['service']; pathPattern?: string; appKey?: string }): number;
  resetCalls(): void;
  injectFault(fault: Fault): () => void;
  clearFaults(): void;
  addApp(app: EmulatorApp): void;
  removeApp(appKey: string): void;
  close(): Promise<void>;
}
