import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/error-message';
import { useSession } from '../../session/session';
import { ChatWidget } from './chat-widget';

const EXAMPLE = JSON.stringify(
  {
    responses: [
      { type: 'text', message: 'Hi! What would you like?' },
      { type: 'quickReplies', title: 'Pick one', buttons: [{ type: 'postback', title: 'Pizza', value: 'pizza' }, { type: 'postback', title: 'Salad', value: 'salad' }] },
      {
        type: 'cards',
        elements: [
          { title: 'Margherita', subtitle: 'Tomato, basil', imageUrl: 'https://example.com/margherita.png', buttons: [{ type: 'postback', title: 'Order', value: 'margherita' }] },
          { title: 'Funghi', subtitle: 'Mushrooms', imageUrl: 'https://example.com/funghi.png', buttons: [{ type: 'url', title: 'Details', value: 'https://example.com/funghi' }] },
        ],
      },
    ],
    attributes: { lastOrder: null },
  },
  null,
  2,
);

/** §5, the limits a reply is judged by. */
const LIMITS: [string, string][] = [
  ['responses', 'at most 99; each has type and an optional delay 100..10000 ms (default 1000)'],
  ['text', 'message 1..1024 characters'],
  ['randomText', 'messages: 1..20 strings of 1..1024'],
  ['image', 'imageUrl: an http/https URL, 1..2048'],
  ['quickReplies', 'title 1..640; 1..13 postback or goto buttons'],
  ['cards', '1..10 elements: title 1..80, subtitle 1..80, imageUrl, 1..5 buttons'],
  ['buttons', 'title 1..640; 1..5 buttons'],
  ['button titles', '1..20 characters (url: 0..20); postback value 1..2000; goto value a UUID v4; phone +digits, 3..16'],
  ['attributes', 'flat: keys 1..128, values strings ≤ 1024, numbers, booleans or null'],
];

type Judgement = { valid: true; normalized: unknown } | { valid: false; errors: { path: string; message: string }[]; message: string };

export function PlaygroundPage() {
  const { client } = useSession();
  const [source, setSource] = useState(EXAMPLE);
  const [parseError, setParseError] = useState<string | null>(null);
  const [shown, setShown] = useState<unknown>(null);
  const validate = useMutation({
    mutationFn: async (reply: unknown): Promise<Judgement> => {
      const { data, error, response } = await client.POST('/v2/responses/validate', { body: reply as never });
      if (response.ok && data) return { valid: true, normalized: (data as { normalized: unknown }).normalized };
      const envelope = error as { status?: { message?: string }; errors?: { path: string; message: string }[] } | undefined;
      if (response.status === 422 || response.status === 400) return { valid: false, errors: envelope?.errors ?? [], message: envelope?.status?.message ?? 'invalid reply' };
      throw new Error(envelope?.status?.message ?? `the API answered ${response.status}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    let reply: unknown;
    try {
      reply = JSON.parse(source);
    } catch (e) {
      setParseError(`That is not JSON: ${(e as Error).message}`);
      return;
    }
    setParseError(null);
    setShown(reply);
    validate.mutate(reply);
  };
  const judged = validate.data;
  const violations = new Map(judged && !judged.valid ? judged.errors.map((e) => [e.path, e.message]) : []);
  return (
    <section aria-labelledby="playground-title">
      <h1 id="playground-title">Playground</h1>
      <p>Paste what your backend answers a dispatch; bothooks judges it as it judges a real reply (contract §5) and shows it as the chat would.</p>
      <div className="split">
        <form onSubmit={submit} className="stack">
          <label htmlFor="reply">Backend reply (JSON)</label>
          <textarea id="reply" value={source} onChange={(e) => setSource(e.target.value)} rows={18} spellCheck={false} />
          <div className="actions">
            <button type="submit" disabled={validate.isPending}>
              Validate
            </button>
          </div>
          {parseError ? (
            <p className="error" role="alert">
              {parseError}
            </p>
          ) : null}
          <ErrorMessage error={validate.error} />
          {judged ? (
            judged.valid ? (
              <p className="ok" role="status">
                Valid: the chat shows the normalized reply, defaults filled in.
              </p>
            ) : (
              <div role="status">
                <p className="error">{judged.message}</p>
                <table className="violations">
                  <caption>Violations</caption>
                  <thead>
                    <tr>
                      <th scope="col">Path</th>
                      <th scope="col">Problem</th>
                    </tr>
                  </thead>
                  <tbody>
                    {judged.errors.map((e) => (
                      <tr key={e.path + e.message} data-testid="violation">
                        <td>
                          <code>{e.path}</code>
                        </td>
                        <td>{e.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          ) : null}
        </form>
        <div className="stack">
          <h2>In the chat</h2>
          <div className="phone">{judged ? <ChatWidget reply={judged.valid ? judged.normalized : shown} violations={violations} /> : <p className="muted">Press Validate to see the reply here.</p>}</div>
        </div>
      </div>
      <details className="panel" open>
        <summary>Limits (contract §5)</summary>
        <table>
          <caption className="sr-only">Limits</caption>
          <tbody>
            {LIMITS.map(([what, rule]) => (
              <tr key={what}>
                <th scope="row">{what}</th>
                <td>{rule}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
