// A chatbot.com-style backend for a bothooks connection: it checks the Standard Webhooks signature of each
// dispatch with the connection's signingSecret and answers with responses built by the kit.
//
//   npm run build && CONNECTION_SIGNING_SECRET=whsec_... PORT=4100 node examples/chatbot-backend.js
const http = require('node:http');
const { goto, postback, quickReplies, reply, text, verifyDispatch } = require('@bothooks/client');

const port = Number(process.env.PORT ?? 4100);
// The node a "Talk to us" button leads to, in the chatbot's story.
const humanNode = '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c';

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let dispatch;
      try {
        dispatch = verifyDispatch(req.headers, Buffer.concat(chunks), process.env.CONNECTION_SIGNING_SECRET);
      } catch {
        res.writeHead(401).end();
        return;
      }
      const name = dispatch.userAttributes.name ?? 'there';
      const answer = reply({
        responses: [text(`Hi ${name}! What would you like to do?`), quickReplies('Pick one', [postback('Track my order', 'track'), goto('Talk to us', humanNode)])],
        attributes: { lastNode: dispatch.node.name ?? '' },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  })
  .listen(port, () => console.log(`chatbot backend listening on http://127.0.0.1:${port}`));
