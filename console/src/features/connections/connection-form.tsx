import { unwrap } from '@bothooks/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/error-message';
import { useSession, type Schemas } from '../../session/session';
import { BotPicker } from '../bots/bot-picker';

type Connection = Schemas['ConnectionView'];

/** Create (no `connection`) or edit; either way the answer shows how the verification handshake went. */
export function ConnectionForm({ connection, onSaved }: { connection?: Connection; onSaved: (id: string) => void }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const [storyId, setStoryId] = useState(connection?.story.id ?? '');
  const [name, setName] = useState(connection?.name ?? '');
  const [url, setUrl] = useState(connection?.url ?? '');
  const [token, setToken] = useState(connection?.token ?? '');
  const [timeoutMs, setTimeoutMs] = useState(String(connection?.timeoutMs ?? 10000));
  const [handshake, setHandshake] = useState<Schemas['VerificationView'] | null>(null);
  const save = useMutation({
    mutationFn: async () => {
      const fields = { name, url, timeoutMs: Number(timeoutMs), ...(token ? { token } : {}), ...(connection?.headers ? { headers: connection.headers } : {}), ...(connection?.auth ? { auth: connection.auth } : {}) };
      let id: string;
      if (connection) {
        await unwrap(client.PUT('/v2/integrations/webhook/{id}', { params: { path: { id: connection.id } }, body: fields }));
        id = connection.id;
      } else {
        id = (await unwrap(client.POST('/v2/integrations/webhook', { body: { storyId, ...fields } }))).id;
      }
      const saved = await unwrap(client.GET('/v2/integrations/webhook/{id}', { params: { path: { id } } }));
      return saved;
    },
    onSuccess: (saved) => {
      setHandshake({ verification: saved.verification, error: saved.verification === 'failed' ? saved.error : null });
      void queries.invalidateQueries({ queryKey: ['connections'] });
      void queries.invalidateQueries({ queryKey: ['connection', saved.id] });
      onSaved(saved.id);
      if (!connection) {
        setName('');
        setUrl('');
        setToken('');
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const prefix = connection ? `edit-${connection.id}` : 'new-connection';
  return (
    <form onSubmit={submit} className="grid-form">
      {connection ? null : <BotPicker id={`${prefix}-bot`} value={storyId} onChange={setStoryId} required />}
      <label htmlFor={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
      <label htmlFor={`${prefix}-url`}>URL</label>
      <input id={`${prefix}-url`} type="url" value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={1024} placeholder="https://backend.example.com/chat" />
      <label htmlFor={`${prefix}-token`}>Token</label>
      <input id={`${prefix}-token`} value={token} onChange={(e) => setToken(e.target.value)} maxLength={1024} placeholder="empty: no verification handshake" />
      <label htmlFor={`${prefix}-timeout`}>Timeout (ms)</label>
      <input id={`${prefix}-timeout`} type="number" min={100} max={30000} value={timeoutMs} onChange={(e) => setTimeoutMs(e.target.value)} />
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {connection ? 'Save connection' : 'Create connection'}
        </button>
      </div>
      <div className="full">
        <ErrorMessage error={save.error} />
        {handshake ? <Handshake result={handshake} /> : null}
      </div>
    </form>
  );
}

export function Handshake({ result }: { result: Schemas['VerificationView'] }) {
  const text =
    result.verification === 'not_required'
      ? 'Saved. No token, so no verification handshake was needed.'
      : result.verification === 'passed'
        ? 'Verification handshake passed: the backend echoed the challenge.'
        : `Verification handshake failed: ${result.error ?? 'the backend did not echo the challenge'}. Dispatching is refused until it passes.`;
  return (
    <p role="status" className={result.verification === 'failed' ? 'error' : 'ok'}>
      {text}
    </p>
  );
}
