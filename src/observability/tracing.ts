// Tracing on OpenTelemetry, off unless the standard OTEL_* variables turn it on (an OTLP endpoint,
// or OTEL_TRACES_EXPORTER=otlp|console). A span per GraphQL request and per call to Jiguang; the
// request's trace context (W3C traceparent) is continued when a caller sends one. Without a
// registered provider every span is a no-op.
import { type Attributes, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

export const tracer = trace.getTracer('jiguang-gateway');

export interface Tracing {
  shutdown(): Promise<void>;
}

/** Whether the standard variables ask for traces (the OpenTelemetry specification's names). */
export function tracingWanted(env: NodeJS.ProcessEnv): 'otlp' | 'console' | null {
  if (env.OTEL_SDK_DISABLED === 'true') return null;
  const exporter = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim();
  if (exporter === 'none') return null;
  if (exporter === 'console') return 'console';
  if (exporter === 'otlp' || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return 'otlp';
  return null;
}

/**
 * Registers a tracer provider when the environment asks for one (or for the given exporter, in
 * tests). The SDK and the exporter are loaded only then.
 */
export async function startTracing(env: NodeJS.ProcessEnv, exporter?: SpanExporter): Promise<Tracing | null> {
  const wanted = exporter ? 'given' : tracingWanted(env);
  if (!wanted) return null;
  const { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const spanExporter = exporter ?? (wanted === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'jiguang-gateway' }),
    // In tests every span is exported at once; otherwise in batches, off the request path.
    spanProcessors: [exporter ? new SimpleSpanProcessor(spanExporter) : new BatchSpanProcessor(spanExporter)],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

/** Runs `work` in a server span for one HTTP request, continuing the caller's trace when it sent one. */
export function inRequestSpan<T>(name: string, headers: Record<string, string | string[] | undefined>, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), headers);
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

/** Runs `work` in a client span for one call to Jiguang; errors mark the span. */
export function inCallSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { extensions?: { code?: string } }).extensions?.code ?? 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
