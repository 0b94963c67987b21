import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric bothooks exports, in one registry per app instance. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly invocations = new Counter({
    name: 'bothooks_invocations_total',
    help: 'Calls of issued webhook URLs, by outcome (answered, accepted, failed, refused status)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly invocationDuration = new Histogram({
    name: 'bothooks_invocation_duration_seconds',
    help: 'Time from receiving a webhook call to answering it',
    labelNames: ['mode'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'bothooks_deliveries_total',
    help: 'Outbound deliveries (connection dispatches and runtime deliveries), by target and outcome',
    labelNames: ['target', 'outcome'],
    registers: [this.registry],
  });

  readonly deliveryDuration = new Histogram({
    name: 'bothooks_delivery_duration_seconds',
    help: 'Duration of outbound deliveries',
    labelNames: ['target'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'bothooks_queue_depth',
    help: 'Invocations waiting for delivery, by queue (retry, pull)',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
