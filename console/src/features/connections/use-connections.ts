import { unwrap } from '@bothooks/client';
import { useQuery } from '@tanstack/react-query';
import { useSession, type Schemas } from '../../session/session';

export type Delivery = Schemas['DeliveryListItemView'];
export const RECENT_DELIVERIES = 50;

export function useConnection(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['connection', id], queryFn: () => unwrap(client.GET('/v2/integrations/webhook/{id}', { params: { path: { id } } })) });
}

export function useDeliveries(id: string) {
  const { client } = useSession();
  return useQuery({
    queryKey: ['deliveries', id],
    queryFn: () => unwrap(client.GET('/v2/integrations/webhook/{id}/deliveries', { params: { path: { id }, query: { limit: RECENT_DELIVERIES } as never } })),
  });
}

/**
 * The API does not expose the circuit itself: this reads it off the delivery log, newest first, as the
 * breaker counts (consecutive failures since the last success).
 */
export function circuitOf(deliveries: Delivery[] | undefined): string {
  if (!deliveries || deliveries.length === 0) return 'closed (no deliveries yet)';
  const failures = deliveries.findIndex((d) => d.status === 'succeeded');
  const run = failures === -1 ? deliveries.length : failures;
  if (run === 0) return 'closed';
  return `${run} failure${run === 1 ? '' : 's'} in a row`;
}
