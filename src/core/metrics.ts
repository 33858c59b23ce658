import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one app instance (served at /metrics). */
export class Metrics {
  readonly registry = new Registry();
  readonly turns = new Counter({ name: 'patron_turns_total', help: 'Inbound messages handled, by channel and outcome', labelNames: ['channel', 'status'], registers: [this.registry] });
  readonly turnSeconds = new Histogram({
    name: 'patron_turn_duration_seconds', help: 'Time from receiving a message to its replies being committed', labelNames: ['channel'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly intents = new Counter({ name: 'patron_intents_total', help: 'Recognised intents (fallback = not understood)', labelNames: ['intent'], registers: [this.registry] });
  readonly nluConfidence = new Histogram({ name: 'patron_nlu_confidence', help: 'Classifier confidence of the top intent', buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1], registers: [this.registry] });
  readonly sends = new Counter({ name: 'patron_outbox_sends_total', help: 'Outbound delivery attempts by channel and result', labelNames: ['channel', 'result'], registers: [this.registry] });
  readonly outboxDepth = new Gauge({ name: 'patron_outbox_depth', help: 'Outbox rows waiting to be sent', registers: [this.registry] });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'patron_' });
  }
}
