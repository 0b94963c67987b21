/*
 * The peers both sides call out to, in a process of their own so that neither the load generator nor the
 * servers under test share an event loop with them: a bot runtime and a chatbot backend that answer at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const RUNTIME_REPLY = JSON.stringify({ messages: ['ok'] });
const BACKEND_REPLY = JSON.stringify({ responses: [{ type: 'text', message: 'hi' }] });

function answering(body: string) {
  const length = String(Buffer.byteLength(body));
  return (req: IncomingMessage, res: ServerResponse) => {
    // Drain the request before answering so that the socket can be reused for the next call.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
      res.end(body);
    });
  };
}

function listen(handler: ReturnType<typeof answering>): Promise<number> {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function main(): Promise<void> {
  const [runtimePort, backendPort] = await Promise.all([listen(answering(RUNTIME_REPLY)), listen(answering(BACKEND_REPLY))]);
  process.send!({ runtimeUrl: `http://127.0.0.1:${runtimePort}/runtime`, backendUrl: `http://127.0.0.1:${backendPort}/backend` });
  // The bench talks to us over IPC; when it goes, so do we.
  process.on('disconnect', () => process.exit(0));
}

void main();
