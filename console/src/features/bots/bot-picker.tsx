import { unwrap } from '@bothooks/client';
import { useQuery } from '@tanstack/react-query';
import { useSession, type Schemas } from '../../session/session';

/** For an admin key: which bot a screen shows (empty: every bot, where the screen allows it). */
export function BotPicker({ id, value, onChange, required }: { id: string; value: string; onChange: (botId: string) => void; required?: boolean }) {
  const { client } = useSession();
  const bots = useQuery({ queryKey: ['bots'], queryFn: () => unwrap(client.GET('/v1/bots')) as Promise<Schemas['BotView'][]> });
  return (
    <>
      <label htmlFor={id}>Bot</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} required={required}>
        <option value="">{required ? 'choose a bot' : 'every bot'}</option>
        {(bots.data ?? []).map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
    </>
  );
}
