import { unwrap } from '@bothooks/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../components/copy-button';
import { ErrorMessage } from '../../components/error-message';
import { Time } from '../../components/time';
import { useSession, type Schemas } from '../../session/session';
import { IssueUrlForm } from './issue-url-form';

/** Present once the API knows about delivery order (contract §2); the form offers it only then. */
type Bot = Schemas['BotView'] & { ordering?: 'conversation' | 'none' };

export function BotsPage() {
  const session = useSession();
  if (session.kind === 'bot') {
    return (
      <section aria-labelledby="bots-title">
        <h1 id="bots-title">Bots</h1>
        <p>
          Signed in with a bot key: everything here is of its own bot. A bot key cannot change its bot; it can issue URLs for it.
        </p>
        <IssueUrlForm botId={null} />
      </section>
    );
  }
  return <AdminBots />;
}

function AdminBots() {
  const { client } = useSession();
  const bots = useQuery({ queryKey: ['bots'], queryFn: () => unwrap(client.GET('/v1/bots')) as Promise<Bot[]> });
  const [selected, setSelected] = useState<string | null>(null);
  const bot = bots.data?.find((b) => b.id === selected) ?? null;
  const offersOrdering = bots.data?.some((b) => b.ordering !== undefined) ?? false;
  return (
    <section aria-labelledby="bots-title">
      <h1 id="bots-title">Bots</h1>
      <ErrorMessage error={bots.error} />
      {bots.data && bots.data.length === 0 ? <p className="empty">No bots yet — create one below; its API key is shown once.</p> : null}
      {bots.data && bots.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Bots</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Runtime URL</th>
                {offersOrdering ? <th scope="col">Ordering</th> : null}
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {bots.data.map((b) => (
                <tr key={b.id} className={b.id === selected ? 'selected' : undefined}>
                  <td>
                    {b.name}
                    <div className="muted small">
                      <code>{b.id}</code>
                    </div>
                  </td>
                  <td className="wrap">{b.runtimeUrl ?? <span className="muted">none (pull mode)</span>}</td>
                  {offersOrdering ? <td>{b.ordering}</td> : null}
                  <td>
                    <Time at={b.createdAt} />
                  </td>
                  <td>
                    <button type="button" className="secondary" onClick={() => setSelected(b.id)} aria-label={`Manage ${b.name}`}>
                      Manage
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {bot ? <ManageBot key={bot.id} bot={bot} offersOrdering={offersOrdering} /> : null}
      <CreateBot offersOrdering={offersOrdering} onCreated={setSelected} />
    </section>
  );
}

function CreateBot({ offersOrdering, onCreated }: { offersOrdering: boolean; onCreated: (id: string) => void }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [runtimeUrl, setRuntimeUrl] = useState('');
  const [ordering, setOrdering] = useState('conversation');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        client.POST('/v1/bots', {
          body: { name, runtimeUrl: runtimeUrl === '' ? null : runtimeUrl, ...(offersOrdering ? { ordering } : {}) } as Schemas['CreateBotDto'],
        }),
      ),
    onSuccess: (bot) => {
      void queries.invalidateQueries({ queryKey: ['bots'] });
      onCreated(bot.id);
      setName('');
      setRuntimeUrl('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="new-bot">
      <h2 id="new-bot">New bot</h2>
      <form onSubmit={submit} className="grid-form">
        <label htmlFor="bot-name">Name</label>
        <input id="bot-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        <label htmlFor="bot-runtime">Runtime URL</label>
        <input id="bot-runtime" type="url" value={runtimeUrl} onChange={(e) => setRuntimeUrl(e.target.value)} placeholder="https://runtime.example.com/bothooks (empty: pull mode)" />
        {offersOrdering ? <OrderingSelect id="bot-ordering" value={ordering} onChange={setOrdering} /> : null}
        <div className="actions">
          <button type="submit" disabled={create.isPending}>
            Create bot
          </button>
        </div>
      </form>
      <ErrorMessage error={create.error} />
      {create.data ? <ShownOnce label="API key of the new bot" secret={create.data.apiKey} /> : null}
    </section>
  );
}

function OrderingSelect({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label htmlFor={id}>Ordering</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="conversation">conversation — one at a time per chat</option>
        <option value="none">none — as soon as possible</option>
      </select>
    </>
  );
}

/** A key the API shows only once: said so, with a copy button. */
function ShownOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div className="callout" role="status">
      <p>
        <strong>{label}</strong> — shown only now; copy it somewhere safe.
      </p>
      <div className="copy-row">
        <code className="secret" data-testid="shown-once">
          {secret}
        </code>
        <CopyButton text={secret} label={`Copy ${label}`} />
      </div>
    </div>
  );
}

function ManageBot({ bot, offersOrdering }: { bot: Bot; offersOrdering: boolean }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const [runtimeUrl, setRuntimeUrl] = useState(bot.runtimeUrl ?? '');
  const [ordering, setOrdering] = useState<string>(bot.ordering ?? 'conversation');
  const [grace, setGrace] = useState('0');
  const path = { params: { path: { id: bot.id } } };
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        client.PATCH('/v1/bots/{id}', {
          ...path,
          body: { runtimeUrl: runtimeUrl === '' ? null : runtimeUrl, ...(offersOrdering ? { ordering } : {}) } as Schemas['UpdateBotDto'],
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['bots'] }),
  });
  const rotate = useMutation({ mutationFn: () => unwrap(client.POST('/v1/bots/{id}/rotate-url-key', { ...path, body: { graceSeconds: Number(grace) } })) });
  const newKey = useMutation({ mutationFn: () => unwrap(client.POST('/v1/bots/{id}/api-keys', path)) });
  return (
    <section className="panel" aria-labelledby="manage-bot">
      <h2 id="manage-bot">{bot.name}</h2>
      <form
        className="grid-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label htmlFor="manage-runtime">Runtime URL</label>
        <input id="manage-runtime" type="url" value={runtimeUrl} onChange={(e) => setRuntimeUrl(e.target.value)} placeholder="empty: pull mode" />
        {offersOrdering ? <OrderingSelect id="manage-ordering" value={ordering} onChange={setOrdering} /> : null}
        <div className="actions">
          <button type="submit" disabled={save.isPending}>
            Save
          </button>
          {save.isSuccess ? <span role="status">Saved.</span> : null}
        </div>
      </form>
      <ErrorMessage error={save.error} />
      <div className="row">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            rotate.mutate();
          }}
        >
          <label htmlFor="grace">Old URLs keep working for (seconds)</label>
          <input id="grace" type="number" min={0} max={604800} value={grace} onChange={(e) => setGrace(e.target.value)} />
          <button type="submit" className="danger" disabled={rotate.isPending}>
            Rotate URL key
          </button>
        </form>
        <button type="button" className="secondary" onClick={() => newKey.mutate()} disabled={newKey.isPending}>
          New API key
        </button>
      </div>
      {rotate.isSuccess ? <p role="status">URL key rotated: URLs issued before stop working after {grace} s.</p> : null}
      <ErrorMessage error={rotate.error ?? newKey.error} />
      {newKey.data ? <ShownOnce label="New API key" secret={newKey.data.apiKey} /> : null}
      <IssueUrlForm botId={bot.id} />
    </section>
  );
}
