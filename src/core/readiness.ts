// What /ready asks of each dependency (the registry, Redis): the inbound layer reports them, the
// layers below implement them.

/** One dependency of readiness: `down` takes the replica out of rotation, `degraded` does not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ status: 'ok' | 'degraded' | 'down'; detail?: string }>;
}
