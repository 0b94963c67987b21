import { unwrap } from '@bothooks/client';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Chart } from '../../components/chart';
import { ErrorMessage } from '../../components/error-message';
import { useSession } from '../../session/session';

const HOUR_MS = 3_600_000;

/** The last hour by minute, from GET /v1/stats; the live stream invalidates it as calls come. */
export function InvocationCharts({ botId }: { botId: string }) {
  const { client } = useSession();
  const stats = useQuery({
    queryKey: ['stats', botId],
    queryFn: () => {
      const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
      const query = { from: new Date(to.getTime() - HOUR_MS).toISOString(), to: to.toISOString(), bucket: 'minute' as const, ...(botId ? { botId } : {}) };
      return unwrap(client.GET('/v1/stats', { params: { query } }));
    },
    refetchInterval: 60_000,
  });
  const charts = useMemo(() => {
    const buckets = stats.data?.buckets ?? [];
    const times = buckets.map((b) => Date.parse(b.at) / 1000);
    return {
      times,
      calls: [
        { label: 'answered', color: '#1a7f37', values: buckets.map((b) => b.invocations.answered) },
        { label: 'accepted', color: '#0969da', values: buckets.map((b) => b.invocations.accepted) },
        { label: 'failed', color: '#cf222e', values: buckets.map((b) => b.invocations.failed) },
        { label: 'refused', color: '#9a6700', values: buckets.map((b) => b.invocations.refused) },
      ],
      latency: [
        { label: 'p50', color: '#0969da', values: buckets.map((b) => b.p50Ms) },
        { label: 'p99', color: '#8250df', values: buckets.map((b) => b.p99Ms) },
      ],
    };
  }, [stats.data]);
  if (stats.error) return <ErrorMessage error={stats.error} />;
  if (!stats.data) return null;
  return (
    <div className="charts">
      <Chart title="Calls per minute by outcome" times={charts.times} series={charts.calls} unit="calls" />
      <Chart title="Latency (receipt to end), p50 and p99" times={charts.times} series={charts.latency} unit="ms" />
    </div>
  );
}
