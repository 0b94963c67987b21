import { unwrap } from '@bothooks/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorMessage } from '../../components/error-message';
import { JsonView } from '../../components/json-view';
import { Time } from '../../components/time';
import { useSession } from '../../session/session';
import type { Invocation } from './use-invocation-stream';

export function InvocationDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { client } = useSession();
  const queries = useQueryClient();
  const detail = useQuery({ queryKey: ['invocation', id], queryFn: () => unwrap(client.GET('/v1/invocations/{id}', { params: { path: { id } } })) });
  const redeliver = useMutation({
    mutationFn: () => unwrap(client.POST('/v1/invocations/{id}/redeliver', { params: { path: { id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['invocation', id] }),
  });
  const inv = detail.data as (Invocation & { message: unknown }) | undefined;
  return (
    <section className="panel detail" aria-labelledby="invocation-title">
      <div className="panel-head">
        <h2 id="invocation-title">Invocation</h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorMessage error={detail.error} />
      {inv ? (
        <>
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{inv.id}</code>
            </dd>
            <dt>Command</dt>
            <dd>{inv.command}</dd>
            <dt>Status</dt>
            <dd>
              <span className={`badge ${inv.status}`}>{inv.status}</span>
            </dd>
            {inv.mode !== undefined ? (
              <>
                <dt>Mode</dt>
                <dd>{inv.mode}</dd>
              </>
            ) : null}
            <dt>Attempts</dt>
            <dd data-testid="attempts">{inv.attempts}</dd>
            <dt>Runtime status</dt>
            <dd>{inv.httpStatus ?? '—'}</dd>
            <dt>Received</dt>
            <dd>
              <Time at={inv.receivedAt} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time at={inv.finishedAt} />
            </dd>
            {inv.nextAttemptAt !== undefined ? (
              <>
                <dt>Next attempt</dt>
                <dd>
                  <Time at={inv.nextAttemptAt} />
                </dd>
              </>
            ) : null}
            <dt>Answer</dt>
            <dd>{inv.answer ?? <span className="muted">none</span>}</dd>
            <dt>Error</dt>
            <dd className={inv.error ? 'error-text' : undefined}>{inv.error ?? <span className="muted">none</span>}</dd>
          </dl>
          <div className="actions">
            <button type="button" onClick={() => redeliver.mutate()} disabled={redeliver.isPending || inv.status === 'received'}>
              Redeliver
            </button>
            {redeliver.isSuccess ? <span role="status">Queued for delivery again.</span> : null}
          </div>
          <ErrorMessage error={redeliver.error} />
          <h3>Message the runtime received</h3>
          <JsonView value={inv.message} label="Message the runtime received" />
        </>
      ) : null}
    </section>
  );
}
