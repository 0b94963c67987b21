import { BothooksError, createClient, unwrap, type BothooksClient } from '@bothooks/client';
import type { components } from '../../../clients/typescript/src/schema';
import { createContext, useContext } from 'react';

const STORAGE_KEY = 'bothooks.apiKey';

/** Who is signed in: an admin key sees everything, a bot key its own bot. */
export type Session = { kind: 'admin' | 'bot'; apiKey: string; client: BothooksClient };

const client = (apiKey: string) => createClient({ baseUrl: window.location.origin, apiKey });

/**
 * Checks the key against the API with a read that changes nothing: an admin key lists the bots, which
 * only it may do; a bot key reads a page of its invocations. A bot key's calls need no bot id (the API
 * answers them for its own bot), so the console never has to find out which bot it is.
 */
export async function signIn(apiKey: string): Promise<Session> {
  const api = client(apiKey);
  if (apiKey.startsWith('bh_admin_')) {
    await unwrap(api.GET('/v1/bots'));
    return { kind: 'admin', apiKey, client: api };
  }
  await unwrap(api.GET('/v1/invocations', { params: { query: { limit: 1 } } }));
  return { kind: 'bot', apiKey, client: api };
}

export type Schemas = components['schemas'];
/** Fields with a default are optional to send, whatever the generated types say. */
export type IssueBody = Schemas['IssueWebhookBody'];

export function storedKey(): string | null {
  return window.sessionStorage.getItem(STORAGE_KEY);
}

export function keepKey(apiKey: string | null): void {
  if (apiKey === null) window.sessionStorage.removeItem(STORAGE_KEY);
  else window.sessionStorage.setItem(STORAGE_KEY, apiKey);
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** An API refusal as a sentence a person reads; the reason decides, never the message's wording. */
export function sentenceFor(error: unknown): string {
  if (!(error instanceof BothooksError)) return error instanceof Error ? `Something went wrong: ${error.message}` : 'Something went wrong.';
  switch (error.status) {
    case 401:
      return 'That API key was not accepted: it is unknown, revoked or mistyped.';
    case 403:
      return `This key may not do that (403): ${error.message}.`;
    case 404:
      return `Not found (404): ${error.message}. It may have been deleted, or it belongs to another bot.`;
    case 429:
      return 'Too many attempts (429): wait a minute and try again.';
    default:
      return `${error.message} (${error.status}).`;
  }
}
