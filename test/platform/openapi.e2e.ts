import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp, TestApp } from '../utils/test-app';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>; security?: unknown[] };

const DOCUMENT_FILE = join(__dirname, '../../clients/typescript/openapi.json');
const committed = JSON.parse(readFileSync(DOCUMENT_FILE, 'utf8'));

/**
 * The client's types as openapi-typescript's Node API writes them. It runs in its own Node process: the
 * library is ES modules all the way down, which Jest's CommonJS runtime cannot load.
 */
async function generateTypes(file: string): Promise<string> {
  const script = `import openapiTS, { astToString } from 'openapi-typescript'; import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
process.stdout.write(astToString(await openapiTS(JSON.parse(readFileSync(process.argv[1], 'utf8')))));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, file], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
const withoutServers = ({ servers: _servers, ...document }: Record<string, unknown>) => document;

function operations(document: { paths: Record<string, Record<string, Operation>> }): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, Operation]));
}

/** The members of one generated interface, `name: {` up to its closing brace at the same indentation. */
function generatedType(types: string, name: string): string {
  const start = types.indexOf(`        ${name}: {\n`);
  if (start < 0) throw new Error(`no generated type ${name}`);
  return types.slice(start, types.indexOf('\n        };\n', start));
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let served: { paths: Record<string, Record<string, Operation>>; servers: { url: string }[] };
  let types: string;

  beforeAll(async () => {
    t = await startApp({ PUBLIC_URL: 'https://hooks.test.invalid' });
    served = (await t.http.get('/docs-json').expect(200)).body;
    // From what the app serves, so that this file alone fails when the served document is wrong.
    const dir = mkdtempSync(join(tmpdir(), 'bothooks-openapi-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(served));
      types = await generateTypes(join(dir, 'openapi.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => t?.close());

  it('served at /docs-json is the committed clients/typescript/openapi.json but for servers, which come from PUBLIC_URL', () => {
    expect(withoutServers(served)).toEqual(withoutServers(committed));
    expect(served.servers).toEqual([{ url: 'https://hooks.test.invalid' }]);
  });

  it('types every error answer of every route as the ErrorEnvelope, and marks the public routes security: []', () => {
    const untyped = operations(served).flatMap(([route, operation]) =>
      Object.entries(operation.responses)
        .filter(([status, response]) => Number(status) >= 400 && response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorEnvelope')
        .map(([status]) => `${route} ${status}`),
    );
    expect(untyped).toEqual([]);
    const publicRoutes = operations(served).filter(([, operation]) => Array.isArray(operation.security) && operation.security.length === 0).map(([route]) => route);
    expect(publicRoutes.sort()).toEqual(['GET /docs', 'GET /docs-json', 'GET /health', 'GET /metrics', 'GET /w/{token}', 'OPTIONS /w/{token}', 'POST /w/{token}']);
    expect(operations(served).filter(([, operation]) => !operation.security).map(([route]) => route)).toEqual([]);
  });

  it('generates client types a strict program can use without casts: content unknown, aliases, error reasons, the runtime message', () => {
    const issue = generatedType(types, 'IssueWebhookBody');
    expect(issue).toContain('content?: unknown;');
    expect(issue).toContain('user_id?: (string | null) | number;');
    expect(issue).toContain('redirect_to?: string | null;');
    expect(issue).toContain('params?: {\n                [key: string]: string | number | boolean;');
    expect(issue).toContain('expiresIn?: number | null;');
    const envelope = generatedType(types, 'ErrorEnvelope');
    expect(envelope).toMatch(/reason\?: "database_unavailable" \| "rate_limited" \| "url_signature_invalid"/);
    expect(envelope).toContain('code: number;');
    expect(generatedType(types, 'UpdateView')).toContain('invocation: components["schemas"]["RuntimeMessage"];');
    expect(generatedType(types, 'RuntimeMessage')).toContain('command: string;');
    expect(generatedType(types, 'DispatchResultView')).toContain('responses: components["schemas"]["BotResponse"][];');
    // Every 4xx of issuing a URL is an envelope, so `error.status` is typed where a client reads it.
    expect(types).toMatch(/issueWebhook: \{[\s\S]*?401: \{[\s\S]*?"application\/json": components\["schemas"\]\["ErrorEnvelope"\];/);
  });

  it('discriminates the reply unions by type, with a mapping to each variant', () => {
    const components = (served as unknown as { components: { schemas: Record<string, { discriminator?: { propertyName: string; mapping: Record<string, string> } }> } }).components.schemas;
    expect(components.BotResponse.discriminator).toEqual({
      propertyName: 'type',
      mapping: {
        text: '#/components/schemas/TextResponse',
        randomText: '#/components/schemas/RandomTextResponse',
        image: '#/components/schemas/ImageResponse',
        quickReplies: '#/components/schemas/QuickRepliesResponse',
        cards: '#/components/schemas/CardsResponse',
        buttons: '#/components/schemas/ButtonsResponse',
      },
    });
    expect(Object.keys(components.Button.discriminator!.mapping)).toEqual(['postback', 'goto', 'url', 'webview', 'phone']);
  });
});
