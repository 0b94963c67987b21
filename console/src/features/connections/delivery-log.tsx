import { unwrap } from '@bothooks/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Chart } from '../../components/chart';
import { ErrorMessage } from '../../components/error-message';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { useSession } from '../../session/session';
import { useDeliveries, type Delivery } from './use-connections';

/** Deliveries per minute by outcome, over the minutes the recent log covers. */
function DeliveriesChart({ deliveries }: { deliveries: Delivery[] }) {
  const data = useMemo(() => {
    const minutes = new Map<number, { ok: number; failed: number }>();
    for (const d of deliveries) {
      const at = Math.floor(Date.parse(d.createdAt) / 60_000) * 60;
      const slot = minutes.get(at) ?? { ok: 0, failed: 0 };
      if (d.status === 'succeeded') slot.ok += 1;
      else slot.failed += 1;
      minutes.set(at, slot);
    }
    // Up to now, at least the last quarter of an hour, at most a day back.
    const last = Math.floor(Date.now() / 60_000) * 60;
    const first = Math.max(Math.min(...minutes.keys(), last - 14 * 60), last - 24 * 3600);
    const times: number[] = [];
    for (let t = first; t <= last; t += 60) times.push(t);
    return {
      times,
      series: [
        { label: 'succeeded', color: '#1a7f37', values: times.map((t) => minutes.get(t)?.ok ?? 0) },
        { label: 'failed', color: '#cf222e', values: times.map((t) => minutes.get(t)?.failed ?? 0) },
      ],
    };
  }, [deliveries]);
  return <Chart title="Recent deliveries per minute by outcome" times={data.times} series={data.series} unit="deliveries" />;
}

export function DeliveryLog({ connectionId }: { connectionId: string }) {
  const deliveries = useDeliveries(connectionId);
  const [open, setOpen] = useState<string | null>(null);
  const items = deliveries.data?.items ?? [];
  return (
    <section aria-labelledby={`log-${connectionId}`}>
      <h3 id={`log-${connectionId}`}>Delivery log</h3>
      <ErrorMessage error={deliveries.error} />
      {deliveries.data && items.length === 0 ? <p className="empty">No deliveries yet — send a test dispatch above, or let the bot runtime dispatch a chat.</p> : null}
      {items.length > 0 ? (
        <>
          <DeliveriesChart deliveries={items} />
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Sent</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Error</th>
                  <th scope="col">
                    <span className="sr-only">Open</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} className={d.id === open ? 'selected' : undefined}>
                    <td>
                      <Time at={d.createdAt} />
                    </td>
                    <td>
                      <span className={`badge ${d.status}`}>{d.status}</span>
                    </td>
                    <td>{d.httpStatus ?? '—'}</td>
                    <td>{d.durationMs} ms</td>
                    <td className="wrap error-text">{d.error}</td>
                    <td>
                      <button type="button" className="secondary" onClick={() => setOpen(d.id)} aria-label={`Open delivery sent ${new Date(d.createdAt).toLocaleTimeString()}`}>
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {open ? <DeliveryDetail key={open} connectionId={connectionId} deliveryId={open} /> : null}
    </section>
  );
}

function DeliveryDetail({ connectionId, deliveryId }: { connectionId: string; deliveryId: string }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const path = { params: { path: { id: connectionId, deliveryId } } };
  const detail = useQuery({ queryKey: ['delivery', deliveryId], queryFn: () => unwrap(client.GET('/v2/integrations/webhook/{id}/deliveries/{deliveryId}', path)) });
  const retry = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await client.POST('/v2/integrations/webhook/{id}/deliveries/{deliveryId}/retry', path);
      // A failed retry is a delivery too: the log shows it either way.
      return { ok: response.ok, data, error };
    },
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ['deliveries', connectionId] });
      void queries.invalidateQueries({ queryKey: ['connection', connectionId] });
      void queries.invalidateQueries({ queryKey: ['connections'] });
    },
  });
  const d = detail.data;
  return (
    <div className="panel">
      <ErrorMessage error={detail.error} />
      {d ? (
        <>
          <div className="panel-head">
            <h4>
              Delivery <code>{d.id}</code>
            </h4>
            <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
              Retry
            </button>
          </div>
          {retry.data ? (
            <p role="status" className={retry.data.ok ? 'ok' : 'error'}>
              {retry.data.ok ? 'Retried: the backend answered; the log shows the new delivery.' : `Retried: ${(retry.data.error as { status?: { message?: string } })?.status?.message ?? 'it failed again'}.`}
            </p>
          ) : null}
          <p className="small wrap">
            POST <code>{d.requestUrl}</code>
          </p>
          <h5>Request body</h5>
          <JsonView value={d.requestBody} label="Request body" />
          <h5>Response body</h5>
          {d.responseBody === null ? <p className="muted">none</p> : <JsonView value={d.responseBody} label="Response body" />}
        </>
      ) : null}
    </div>
  );
}
