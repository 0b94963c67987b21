/*
 * How long validating one dispatched reply takes: our validator against an ajv-compiled JSON Schema of the
 * same rules, in the same process, on the reference reply. Fails (exit 1) when ours is more than 10x slower
 * than the faster ajv configuration.
 *
 *   node bench/run-ts.js bench/responses.bench.ts
 */
import Ajv from 'ajv';
import { validateReply } from '../src/responses/response-validator';
import { replyAjvSchema } from '../src/responses/response.schema';

const MAX_RATIO = 10;
const WARMUP_ITERATIONS = 50_000;
const ITERATIONS = 100_000;
const ROUNDS = 5;

/** Parsed from text, as a dispatched reply is, so object shapes are what JSON.parse makes. */
const referenceReply: unknown = JSON.parse(
  JSON.stringify({
    responses: [
      { type: 'text', message: 'Hi! How can I help you today?' },
      {
        type: 'quickReplies',
        title: 'Pick a topic',
        buttons: [
          { type: 'postback', title: 'Billing', value: 'billing' },
          { type: 'postback', title: 'Shipping', value: 'shipping' },
        ],
      },
      {
        type: 'cards',
        elements: [
          {
            title: 'Pro plan',
            subtitle: 'Everything, billed monthly',
            imageUrl: 'https://cdn.example.com/plans/pro.png',
            buttons: [
              { type: 'url', title: 'Details', value: 'https://example.com/pro' },
              { type: 'goto', title: 'Buy', value: '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c' },
              { type: 'phone', title: 'Call sales', value: '+15550100' },
            ],
          },
        ],
      },
      { type: 'randomText', messages: ['Anything else?', 'Can I help with something else?'] },
      { type: 'image', imageUrl: 'https://cdn.example.com/thanks.gif', delay: 500 },
    ],
    attributes: { plan: 'pro', cartTotal: 49.5, vip: false },
  }),
);

/** Median nanoseconds per call over several rounds; the sink keeps the calls from being optimized away. */
function measure(validate: (reply: unknown) => boolean): number {
  let sink = 0;
  for (let i = 0; i < WARMUP_ITERATIONS; i++) if (validate(referenceReply)) sink++;
  const perCall: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) if (validate(referenceReply)) sink++;
    perCall.push(Number(process.hrtime.bigint() - started) / ITERATIONS);
  }
  if (sink !== WARMUP_ITERATIONS + ROUNDS * ITERATIONS) throw new Error('the reference reply must be valid');
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)];
}

const ajvAllErrors = new Ajv({ allErrors: true }).compile(replyAjvSchema);
const ajvFirstError = new Ajv().compile(replyAjvSchema);

const results = {
  ours: measure((reply) => validateReply(reply).valid),
  ajvAllErrors: measure((reply) => ajvAllErrors(reply)),
  ajvFirstError: measure((reply) => ajvFirstError(reply)),
};

const us = (ns: number): string => (ns / 1000).toFixed(3).padStart(8);
const fastestAjv = Math.min(results.ajvAllErrors, results.ajvFirstError);
const ratio = results.ours / fastestAjv;

console.log(`reference reply: 5 responses (text, quickReplies, cards, randomText, image), node ${process.version}`);
console.log(`ours (validate + normalize)   ${us(results.ours)} µs/reply`);
console.log(`ajv, allErrors                ${us(results.ajvAllErrors)} µs/reply`);
console.log(`ajv, first error only         ${us(results.ajvFirstError)} µs/reply`);
console.log(`ratio ours / fastest ajv      ${ratio.toFixed(2).padStart(8)}  (limit ${MAX_RATIO})`);

if (ratio > MAX_RATIO) {
  console.error(`FAIL: the response validator is ${ratio.toFixed(1)}x slower than ajv (limit ${MAX_RATIO}x)`);
  process.exit(1);
}
