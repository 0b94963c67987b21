import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSession, type Schemas } from '../../session/session';

/** Fields some servers add (contract §3.3); shown when present. */
export type Invocation = Schemas['InvocationView'] & { mode?: string; nextAttemptAt?: string | null };
export type InvocationPage = { items: Invocation[]; nextCursor: string | null };
export interface Filters {
  botId: string;
  status: string;
  command: string;
}

const RECONNECT_MS = 2000;

export function matches(invocation: Invocation, filters: Filters): boolean {
  return (!filters.botId || invocation.botId === filters.botId) && (!filters.status || invocation.status === filters.status) && (!filters.command || invocation.command === filters.command);
}

/**
 * Reads GET /v1/invocations/stream with fetch streaming (EventSource cannot send the key) and folds each
 * event into the cached lists and details, so new calls and status changes show without a reload.
 */
export function useInvocationStream(botId: string): 'connecting' | 'live' | 'lost' {
  const { client } = useSession();
  const queries = useQueryClient();
  const [state, setState] = useState<'connecting' | 'live' | 'lost'>('connecting');

  useEffect(() => {
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const apply = (invocation: Invocation) => {
      for (const [key, page] of queries.getQueriesData<InvocationPage>({ queryKey: ['invocations'] })) {
        if (!page) continue;
        const filters = key[1] as Filters;
        const rest = page.items.filter((item) => item.id !== invocation.id);
        const items = matches(invocation, filters) ? [invocation, ...rest].sort((a, b) => (a.id < b.id ? 1 : -1)) : rest;
        queries.setQueryData<InvocationPage>(key, { ...page, items });
      }
      void queries.invalidateQueries({ queryKey: ['invocation', invocation.id] });
      void queries.invalidateQueries({ queryKey: ['stats'] });
    };
    const connect = async () => {
      setState('connecting');
      try {
        const { data, response } = await client.GET('/v1/invocations/stream', {
          params: { query: botId ? { botId } : {} },
          parseAs: 'stream',
          signal: abort.signal,
        });
        if (!response.ok || !data) throw new Error(`stream answered ${response.status}`);
        setState('live');
        const reader = (data as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            if (!lines.includes('event: invocation')) continue;
            const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
            apply(JSON.parse(data) as Invocation);
          }
        }
        throw new Error('stream ended');
      } catch {
        if (abort.signal.aborted) return;
        setState('lost');
        // Whatever changed meanwhile is read again from the list.
        void queries.invalidateQueries({ queryKey: ['invocations'] });
        retry = setTimeout(() => void connect(), RECONNECT_MS);
      }
    };
    void connect();
    return () => {
      abort.abort();
      clearTimeout(retry);
    };
  }, [client, queries, botId]);
  return state;
}
