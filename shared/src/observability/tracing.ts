import { context, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base'

export interface TracingOptions {
  service: string
  /** Share of new traces sampled, 0..1; an incoming sampled parent is always followed. */
  ratio: number
  zipkinUrl?: string
  /** Tests: spans go here at once (an InMemorySpanExporter), besides Zipkin if given. */
  exporter?: SpanExporter
}

export interface Tracing {
  tracer: Tracer
  flush(): Promise<void>
  shutdown(): Promise<void>
}

let contextManagerSet = false

/**
 * The active context must survive `await` for a handler's writes to see the request's span: AsyncLocalStorage
 * does that under Bun. Set once per process; every tracer provider shares it.
 */
function ensureContextManager() {
  if (contextManagerSet) return
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  contextManagerSet = true
}

/**
 * A tracer of our own (not the API's global one, so tests can run several), with parent-based ratio sampling,
 * spans batched to Zipkin when a URL is given. Returns undefined when tracing is off (ratio 0 and no test
 * exporter): then nothing is created at all, and every helper takes its no-span path.
 */
export function createTracing({ service, ratio, zipkinUrl, exporter }: TracingOptions): Tracing | undefined {
  if (ratio <= 0 && !exporter) return undefined
  ensureContextManager()
  const spanProcessors: SpanProcessor[] = []
  if (zipkinUrl)
    spanProcessors.push(
      new BatchSpanProcessor(new ZipkinExporter({ url: zipkinUrl, serviceName: `${service}-service` })),
    )
  if (exporter) spanProcessors.push(new SimpleSpanProcessor(exporter))
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `${service}-service` }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(exporter ? 1 : ratio) }),
    spanProcessors,
  })
  return {
    tracer: provider.getTracer('@shop/shared'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  }
}
