// A minimal bot runtime for bothooks, in plain Node: it verifies the Standard Webhooks signature of each
// call, runs the command, and answers a repeated delivery of the same call (delivery is at least once, and
// `webhook-id` is the invocation id) with the answer it gave the first time instead of running it twice.
//
//   BOT_SIGNING_SECRET=whsec_... PORT=4000 node examples/bot-runtime.js
const http = require('node:http');
const { Webhook } = require('standardwebhooks');

const webhook = new Webhook(process.env.BOT_SIGNING_SECRET);
const port = Number(process.env.PORT ?? 4000);
const answered = new Map();

const commands = {
  '/onWebhook': (call) => ({ messages: [`Someone opened the link. You asked: ${call.content}`] }),
  // A payment provider POSTs JSON to a bot-wide URL; the command reads it from `content`.
  '/onPayment': (call) => {
    const payment = JSON.parse(call.content);
    return { messages: [`Payment ${payment.id}: ${payment.amount / 100} ${payment.currency}, ${payment.status}`] };
  },
};

function run(call) {
  const command = commands[call.command];
  if (!command) return { error: `unknown command ${call.command}` };
  try {
    return command(call);
  } catch (error) {
    return { error: error.message };
  }
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let call;
      try {
        call = webhook.verify(Buffer.concat(chunks).toString('utf8'), req.headers);
      } catch {
        res.writeHead(401).end();
        return;
      }
      console.log(`${call.command} (${call.options.method} from ${call.options.ip}) content: ${call.content}`);
      const id = req.headers['webhook-id'];
      if (!answered.has(id)) answered.set(id, run(call));
      if (answered.size > 10_000) answered.delete(answered.keys().next().value);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answered.get(id)));
    });
  })
  .listen(port, () => console.log(`bot runtime listening on http://127.0.0.1:${port}`));
