import { unwrap } from '@bothooks/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/error-message';
import { JsonView } from '../../components/json-view';
import { useSession, type Schemas } from '../../session/session';
import { ConnectionForm, Handshake } from './connection-form';
import { DeliveryLog } from './delivery-log';
import { circuitOf, useConnection, useDeliveries } from './use-connections';

type ListItem = Schemas['ConnectionListItemView'];

export function ConnectionsPage() {
  const session = useSession();
  const connections = useQuery({ queryKey: ['connections'], queryFn: () => unwrap(session.client.GET('/v2/integrations/webhook')) });
  const [open, setOpen] = useState<string | null>(null);
  const items = connections.data ?? [];
  return (
    <section aria-labelledby="connections-title">
      <h1 id="connections-title">Connections</h1>
      <ErrorMessage error={connections.error} />
      {connections.data && items.length === 0 ? (
        <p className="empty">
          No connections yet —{' '}
          {session.kind === 'admin' ? 'create one below: bothooks then POSTs chats to your backend and checks its replies.' : 'an admin creates them for this bot.'}
        </p>
      ) : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Connections</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URL</th>
                <th scope="col">Verification</th>
                <th scope="col">Circuit</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <ConnectionRow key={c.id} item={c} selected={c.id === open} onOpen={() => setOpen(c.id)} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {open ? <ConnectionPanel key={open} id={open} onClose={() => setOpen(null)} /> : null}
      {session.kind === 'admin' ? (
        <section className="panel" aria-labelledby="new-connection">
          <h2 id="new-connection">New connection</h2>
          <ConnectionForm onSaved={setOpen} />
        </section>
      ) : null}
    </section>
  );
}

function ConnectionRow({ item, selected, onOpen }: { item: ListItem; selected: boolean; onOpen: () => void }) {
  const detail = useConnection(item.id);
  const deliveries = useDeliveries(item.id);
  return (
    <tr className={selected ? 'selected' : undefined} data-testid="connection-row">
      <td>
        {item.name}
        <div className="muted small">{item.story.name}</div>
      </td>
      <td className="wrap">{item.url}</td>
      <td>{detail.data ? <span className={`badge ${detail.data.verification}`}>{detail.data.verification.replace('_', ' ')}</span> : '…'}</td>
      <td>{deliveries.data ? circuitOf(deliveries.data.items) : '…'}</td>
      <td className="wrap error-text" data-testid="connection-error">
        {item.error}
      </td>
      <td>
        <button type="button" className="secondary" onClick={onOpen} aria-label={`Open ${item.name}`}>
          Open
        </button>
      </td>
    </tr>
  );
}

function ConnectionPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const session = useSession();
  const queries = useQueryClient();
  const connection = useConnection(id);
  const [editing, setEditing] = useState(false);
  const verify = useMutation({
    mutationFn: () => unwrap(session.client.POST('/v2/integrations/webhook/{id}/verify', { params: { path: { id } } })),
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ['connection', id] });
      void queries.invalidateQueries({ queryKey: ['connections'] });
    },
  });
  const c = connection.data;
  return (
    <section className="panel" aria-labelledby="connection-title">
      <div className="panel-head">
        <h2 id="connection-title">{c?.name ?? 'Connection'}</h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorMessage error={connection.error} />
      {c ? (
        <>
          <dl className="facts">
            <dt>Bot</dt>
            <dd>{c.story.name}</dd>
            <dt>URL</dt>
            <dd className="wrap">{c.url}</dd>
            <dt>Verification</dt>
            <dd>{c.verification.replace('_', ' ')}</dd>
            <dt>Timeout</dt>
            <dd>{c.timeoutMs} ms</dd>
            <dt>Last error</dt>
            <dd className="error-text">{c.error ?? <span className="muted">none</span>}</dd>
          </dl>
          {session.kind === 'admin' ? (
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                Edit
              </button>
              <button type="button" className="secondary" onClick={() => verify.mutate()} disabled={verify.isPending}>
                Verify
              </button>
            </div>
          ) : null}
          {verify.data ? <Handshake result={verify.data} /> : null}
          <ErrorMessage error={verify.error} />
          {editing ? <ConnectionForm connection={c} onSaved={() => undefined} /> : null}
          <TestDispatch id={id} />
          <DeliveryLog connectionId={id} />
        </>
      ) : null}
    </section>
  );
}

function TestDispatch({ id }: { id: string }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const [chatId, setChatId] = useState('console-test');
  const [userId, setUserId] = useState('console-user');
  const dispatch = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await client.POST('/v2/integrations/webhook/{id}/dispatch', { params: { path: { id } }, body: { chatId, userId } });
      return { ok: response.ok, status: response.status, data, error };
    },
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ['deliveries', id] });
      void queries.invalidateQueries({ queryKey: ['connections'] });
      void queries.invalidateQueries({ queryKey: ['connection', id] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    dispatch.mutate();
  };
  return (
    <section aria-labelledby={`dispatch-${id}`}>
      <h3 id={`dispatch-${id}`}>Test dispatch</h3>
      <form onSubmit={submit} className="inline-form">
        <label htmlFor="dispatch-chat">Chat id</label>
        <input id="dispatch-chat" value={chatId} onChange={(e) => setChatId(e.target.value)} required maxLength={64} />
        <label htmlFor="dispatch-user">User id</label>
        <input id="dispatch-user" value={userId} onChange={(e) => setUserId(e.target.value)} required maxLength={64} />
        <button type="submit" disabled={dispatch.isPending}>
          Dispatch
        </button>
      </form>
      <ErrorMessage error={dispatch.failureReason} />
      {dispatch.data ? (
        dispatch.data.ok ? (
          <>
            <p role="status" className="ok">
              The backend answered in {dispatch.data.data?.durationMs} ms:
            </p>
            <JsonView value={dispatch.data.data?.responses} label="Normalized responses" />
          </>
        ) : (
          <p role="status" className="error">
            {(dispatch.data.error as { status?: { message?: string } })?.status?.message ?? `Dispatch failed (${dispatch.data.status}).`}
          </p>
        )
      ) : null}
    </section>
  );
}
