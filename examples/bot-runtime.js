// A minimal bot runtime for bothooks on the runtime kit: runtimeHandler verifies the Standard Webhooks
// signature of each call (401 otherwise) and writes the answer. A repeated delivery of the same call
// (delivery is at least once, and invocationId is the webhook-id) gets the answer given the first time
// instead of running the command twice.
//
//   npm run build && BOT_SIGNING_SECRET=whsec_... PORT=4000 node examples/bot-runtime.js
const http = require('node:http');
const { answer, fail, runtimeHandler } = require('@bothooks/client');

const port = Number(process.env.PORT ?? 4000);
const answered = new Map();

const commands = {
  '/onWebhook': (call) => answer(`Someone opened the link. You asked: ${call.content}`),
  // A payment provider POSTs JSON to a bot-wide URL; the command reads it from `content`.
  '/onPayment': (call) => {
    const payment = JSON.parse(call.content);
    return answer(`Payment ${payment.id}: ${payment.amount / 100} ${payment.currency}, ${payment.status}`);
  },
};

function run(call) {
  const command = commands[call.command];
  if (!command) return fail(`unknown command ${call.command}`);
  try {
    return command(call);
  } catch (error) {
    return fail(error.message);
  }
}

const handler = runtimeHandler(process.env.BOT_SIGNING_SECRET, (call) => {
  console.log(`${call.command} (${call.options.method} from ${call.options.ip}) content: ${call.content}`);
  if (!answered.has(call.invocationId)) answered.set(call.invocationId, run(call));
  if (answered.size > 10_000) answered.delete(answered.keys().next().value);
  return answered.get(call.invocationId);
});

http.createServer(handler).listen(port, () => console.log(`bot runtime listening on http://127.0.0.1:${port}`));
