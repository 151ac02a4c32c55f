// The load generator of `npm run bench`, a process of its own (pinned away from the server under
// test): runs autocannon when the orchestrator asks over IPC and answers with a summary. Every
// response's latency is kept exactly (autocannon's histogram keeps whole milliseconds), and a 200
// whose body carries GraphQL `errors` counts as an error. Several target URLs (a fleet) get one
// autocannon instance each, with the connections split evenly: round-robin by connection.
// Plain .mjs under plain `node`: no loader in the load generator's process either.
import autocannon from 'autocannon';

process.on('message', (message) => {
  if (message?.type !== 'run') return;
  run(message.spec).then(
    (result) => process.send({ id: message.id, ok: true, result }),
    (error) => process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) }),
  );
});
// The orchestrator is gone (it ended, or was killed): so is this.
process.on('disconnect', () => process.exit(0));

/**
 * spec: { targets: [url], connections, durationSec | amount, overallRate?, bodies: [string],
 *         tokens: [string], expectStatus?: number, timeoutSec? }
 * Request i carries bodies[i % B] with tokens[floor(i / B) % T]: every token sees every body.
 */
async function run(spec) {
  const latencies = [];
  const statuses = {};
  let gqlErrors = 0;
  let sample = null;
  let counter = 0;
  const expect = spec.expectStatus ?? 200;
  const onResponse = (status, body) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== expect) sample ??= `HTTP ${status}: ${body.slice(0, 400)}`;
    else if (expect === 200 && body.includes('"errors":')) {
      gqlErrors++;
      sample ??= body.slice(0, 400);
    } else if (expect !== 200) sample ??= body.slice(0, 400);
  };
  const headers = { 'content-type': 'application/json' };
  const single = spec.bodies.length === 1 && spec.tokens.length === 1;
  const request = single
    ? { method: 'POST', headers: { ...headers, authorization: `Bearer ${spec.tokens[0]}` }, body: spec.bodies[0], onResponse }
    : {
        method: 'POST',
        setupRequest: (req) => {
          const i = counter++;
          const b = spec.bodies.length;
          req.headers = { ...req.headers, authorization: `Bearer ${spec.tokens[Math.floor(i / b) % spec.tokens.length]}` };
          req.body = spec.bodies[i % b];
          return req;
        },
        onResponse,
      };
  const started = performance.now();
  let last = started;
  const share = (total, i) => Math.floor(total / spec.targets.length) + (i < total % spec.targets.length ? 1 : 0);
  const results = await Promise.all(
    spec.targets.map((url, i) => {
      const connections = share(spec.connections, i);
      if (connections === 0) return null;
      return new Promise((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections,
            ...(spec.amount ? { amount: share(spec.amount, i) } : { duration: spec.durationSec }),
            ...(spec.overallRate ? { overallRate: share(spec.overallRate, i) } : {}),
            method: 'POST',
            headers,
            requests: [request],
            timeout: spec.timeoutSec ?? 30,
            // autocannon notices that a run is over only at its next sample tick (default 1 s).
            sampleInt: 100,
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
        instance.on('response', (_client, _status, _bytes, ms) => {
          latencies.push(ms);
          last = performance.now();
        });
      });
    }),
  );
  // From the start to the last answer (not to autocannon's end, which waits for a tick).
  const seconds = (last - started) / 1000;
  let errors = 0;
  let timeouts = 0;
  let bytes = 0;
  for (const r of results) {
    if (!r) continue;
    errors += r.errors;
    timeouts += r.timeouts;
    bytes += r.throughput.total;
  }
  latencies.sort((a, b) => a - b);
  const at = (p) => (latencies.length === 0 ? Number.NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
  const responses = latencies.length;
  const wrongStatus = responses - (statuses[expect] ?? 0);
  return {
    responses,
    seconds,
    rps: responses / seconds,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: latencies.at(-1) ?? Number.NaN,
    statuses,
    wrongStatus,
    gqlErrors,
    // Connection errors and timeouts never become responses.
    failed: wrongStatus + gqlErrors + errors,
    connErrors: errors,
    timeouts,
    bytesPerResponse: responses > 0 ? bytes / responses : 0,
    sample,
  };
}
