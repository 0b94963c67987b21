import { unwrap } from '@bothooks/client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../components/copy-button';
import { ErrorMessage } from '../../components/error-message';
import { useSession, type IssueBody } from '../../session/session';

/** A shell line that calls the URL, quoted for POSIX shells. */
export function curlLine(url: string): string {
  return `curl -X POST '${url.replace(/'/g, `'\\''`)}' -H 'content-type: application/json' -d '{"hello":"bot"}'`;
}

/** `botId` null: the signed-in bot key's own bot, which the API takes when no bot is named. */
export function IssueUrlForm({ botId }: { botId: string | null }) {
  const session = useSession();
  const [command, setCommand] = useState('/onWebhook');
  const [userId, setUserId] = useState('');
  const [chatId, setChatId] = useState('');
  const [mode, setMode] = useState('sync');
  const [expiresIn, setExpiresIn] = useState('');
  const [singleUse, setSingleUse] = useState(false);
  const issue = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { command, mode, singleUse };
      if (botId !== null) body.botId = botId;
      if (userId) body.userId = userId;
      if (chatId) body.chatId = chatId;
      if (expiresIn) body.expiresIn = Number(expiresIn);
      return unwrap(session.client.POST('/v1/webhooks', { body: body as IssueBody }));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    issue.mutate();
  };
  return (
    <section className="panel" aria-labelledby={`issue-${botId ?? 'own'}`}>
      <h2 id={`issue-${botId ?? 'own'}`}>Issue a URL</h2>
      <form onSubmit={submit} className="grid-form">
        <label htmlFor="issue-command">Command</label>
        <input id="issue-command" value={command} onChange={(e) => setCommand(e.target.value)} required maxLength={256} />
        <label htmlFor="issue-user">User id</label>
        <input id="issue-user" value={userId} onChange={(e) => setUserId(e.target.value)} maxLength={64} placeholder="empty: bot-wide" />
        <label htmlFor="issue-chat">Chat id</label>
        <input id="issue-chat" value={chatId} onChange={(e) => setChatId(e.target.value)} maxLength={64} />
        <label htmlFor="issue-mode">Mode</label>
        <select id="issue-mode" value={mode} onChange={(e) => setMode(e.target.value)}>
          <option value="sync">sync — the runtime's reply is the answer</option>
          <option value="async">async — 202 at once, delivered in the background</option>
          <option value="auto">auto — sync until the deadline, then async</option>
        </select>
        <label htmlFor="issue-expires">Expires in (seconds)</label>
        <input id="issue-expires" type="number" min={1} max={31536000} value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} placeholder="never" />
        <span />
        <label className="check">
          <input type="checkbox" checked={singleUse} onChange={(e) => setSingleUse(e.target.checked)} /> Single use
        </label>
        <div className="actions">
          <button type="submit" disabled={issue.isPending}>
            Issue URL
          </button>
        </div>
      </form>
      <ErrorMessage error={issue.error} />
      {issue.data ? (
        <div className="callout" role="status">
          <p>
            <strong>Issued URL</strong>
            {issue.data.expiresAt ? ` (expires ${new Date(issue.data.expiresAt).toLocaleString()})` : ''}
          </p>
          <div className="copy-row">
            <code className="wrap" data-testid="issued-url">
              {issue.data.url}
            </code>
            <CopyButton text={issue.data.url} label="Copy the issued URL" />
          </div>
          <p className="small">Call it:</p>
          <div className="copy-row">
            <code className="wrap">{curlLine(issue.data.url)}</code>
            <CopyButton text={curlLine(issue.data.url)} label="Copy the curl line" />
          </div>
        </div>
      ) : null}
    </section>
  );
}
