import { AppProcess } from './app-process';
import { Http, Reply } from './http';
import { rememberSecrets, run } from './run';

export interface Bot {
  id: string;
  apiKey: string;
  signingSecret: string;
}

/** The admin's side of the API, writing down every secret it is shown. */
export class Admin {
  readonly http: Http;

  constructor(readonly app: AppProcess) {
    this.http = new Http(app.url);
  }

  get key(): string {
    return run.adminKey;
  }

  async createBot(body: Record<string, unknown> = {}): Promise<Bot> {
    const res = await this.http.post('/v1/bots', this.key, { name: `faults ${Math.random().toString(36).slice(2, 8)}`, ...body });
    expectStatus(res, 201, 'creating a bot');
    rememberSecrets(res.body.apiKey, res.body.signingSecret, res.body.signingSecret.slice('whsec_'.length));
    return { id: res.body.id, apiKey: res.body.apiKey, signingSecret: res.body.signingSecret };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function expectStatus(res: Reply, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
}
