import { unwrap } from '@bothooks/client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-message';
import { Link } from '../../components/router';
import { Time } from '../../components/time';
import { BotPicker } from '../bots/bot-picker';
import { useSession } from '../../session/session';
import { InvocationCharts } from './invocation-charts';
import { InvocationDetail } from './invocation-detail';
import { useInvocationStream, type Filters, type InvocationPage } from './use-invocation-stream';

const STATUSES = ['received', 'queued', 'delivered', 'answered', 'failed', 'dropped'];

export function InvocationsPage() {
  const session = useSession();
  const [filters, setFilters] = useState<Filters>({ botId: '', status: '', command: '' });
  const [command, setCommand] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const stream = useInvocationStream(filters.botId);
  const list = useQuery({
    queryKey: ['invocations', filters],
    queryFn: () => {
      const query = { ...(filters.botId ? { botId: filters.botId } : {}), ...(filters.status ? { status: filters.status } : {}), ...(filters.command ? { command: filters.command } : {}), limit: 50 };
      return unwrap(session.client.GET('/v1/invocations', { params: { query: query as never } })) as Promise<InvocationPage>;
    },
  });
  const items = list.data?.items ?? [];
  const filtered = filters.status !== '' || filters.command !== '';
  return (
    <section aria-labelledby="invocations-title">
      <div className="panel-head">
        <h1 id="invocations-title">Invocations</h1>
        <span className={`live ${stream}`} role="status">
          {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </div>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...filters, command });
        }}
      >
        {session.kind === 'admin' ? <BotPicker id="invocations-bot" value={filters.botId} onChange={(botId) => setFilters({ ...filters, botId })} /> : null}
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="filter-command">Command</label>
        <input id="filter-command" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="/onWebhook" />
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      <InvocationCharts botId={filters.botId} />
      <ErrorMessage error={list.error} />
      {list.data && items.length === 0 ? (
        filtered ? (
          <p className="empty">No invocations match these filters.</p>
        ) : (
          <div className="empty">
            <p>
              No invocations yet — <Link to="/bots">issue a URL</Link> and call it:
            </p>
            <code className="wrap">curl -X POST '&lt;the issued URL&gt;' -H 'content-type: application/json' -d '{'{"hello":"bot"}'}'</code>
          </div>
        )
      ) : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Invocations, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Command</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Answer or error</th>
                <th scope="col">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((inv) => (
                <tr key={inv.id} className={inv.id === open ? 'selected' : undefined} data-testid="invocation-row">
                  <td>
                    <Time at={inv.receivedAt} />
                  </td>
                  <td>{inv.command}</td>
                  <td>
                    <span className={`badge ${inv.status}`}>{inv.status}</span>
                    {inv.mode ? <span className="muted small"> {inv.mode}</span> : null}
                  </td>
                  <td>{inv.attempts}</td>
                  <td className="wrap">{inv.error ? <span className="error-text">{inv.error}</span> : (inv.answer ?? <span className="muted">—</span>)}</td>
                  <td>
                    <button type="button" className="secondary" onClick={() => setOpen(inv.id)} aria-label={`Open invocation of ${inv.command} received ${new Date(inv.receivedAt).toLocaleTimeString()}`}>
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {open ? <InvocationDetail key={open} id={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}
