/** A reply drawn as a chat widget draws it; parts with a violation are flagged with its message. */
type Json = Record<string, unknown>;
type Violations = Map<string, string>;

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

function flagged(violations: Violations, path: string): string | undefined {
  for (const [at, message] of violations) if (at === path || at.startsWith(`${path}.`) || at.startsWith(`${path}[`)) return message;
  return undefined;
}

function Flag({ violations, path }: { violations: Violations; path: string }) {
  const message = violations.get(path);
  return message ? <span className="flag">⚠ {message}</span> : null;
}

function Buttons({ buttons, path, violations, chips }: { buttons: unknown; path: string; violations: Violations; chips?: boolean }) {
  return (
    <ul className={chips ? 'chips' : 'buttons'}>
      {asArray(buttons).map((button, i) => {
        const at = `${path}.buttons[${i}]`;
        const problem = flagged(violations, at);
        return (
          <li key={i} className={problem ? 'flagged' : undefined}>
            <span className="chat-button">{text(button.title) || <em>untitled</em>}</span>
            {button.type === 'url' || button.type === 'webview' ? <span className="muted small"> ↗ {text(button.value)}</span> : null}
            {button.type === 'phone' ? <span className="muted small"> tel {text(button.value)}</span> : null}
            {problem ? <span className="flag">⚠ {problem}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

function ImageBox({ url, alt }: { url: unknown; alt: string }) {
  // The console loads nothing from other origins (its Content-Security-Policy): the image is named, not fetched.
  return (
    <div className="image-box" role="img" aria-label={alt}>
      <span className="image-label">image</span>
      <span className="small wrap">{text(url)}</span>
    </div>
  );
}

export function ChatWidget({ reply, violations }: { reply: unknown; violations: Violations }) {
  const responses = asArray((reply as Json | null)?.responses);
  if (responses.length === 0) return <p className="muted">The reply has no responses: the chat shows nothing.</p>;
  return (
    <ol className="chat" aria-label="Reply as the chat shows it">
      {responses.map((r, i) => {
        const path = `responses[${i}]`;
        const problem = violations.get(path) ?? violations.get(`${path}.type`);
        return (
          <li key={i} className={`bubble-row${problem ? ' flagged' : ''}`}>
            {r.type === 'text' ? <p className="bubble">{text(r.message)}</p> : null}
            {r.type === 'randomText' ? <p className="bubble">{text(Array.isArray(r.messages) ? r.messages[0] : '')} <span className="muted small">(one of {Array.isArray(r.messages) ? r.messages.length : 0}, at random)</span></p> : null}
            {r.type === 'image' ? <ImageBox url={r.imageUrl} alt="image from the reply" /> : null}
            {r.type === 'quickReplies' ? (
              <div>
                <p className="bubble">{text(r.title)}</p>
                <Buttons buttons={r.buttons} path={path} violations={violations} chips />
              </div>
            ) : null}
            {r.type === 'buttons' ? (
              <div className="bubble">
                <p>{text(r.title)}</p>
                <Buttons buttons={r.buttons} path={path} violations={violations} />
              </div>
            ) : null}
            {r.type === 'cards' ? (
              <ul className="carousel" aria-label="Cards" tabIndex={0}>
                {asArray(r.elements).map((card, j) => {
                  const at = `${path}.elements[${j}]`;
                  return (
                    <li key={j} className={`card${flagged(violations, at) ? ' flagged' : ''}`}>
                      <ImageBox url={card.imageUrl} alt={`image of ${text(card.title)}`} />
                      <p className="card-title">{text(card.title)}</p>
                      <Flag violations={violations} path={`${at}.title`} />
                      <p className="muted small">{text(card.subtitle)}</p>
                      <Buttons buttons={card.buttons} path={at} violations={violations} />
                    </li>
                  );
                })}
              </ul>
            ) : null}
            {!['text', 'randomText', 'image', 'quickReplies', 'buttons', 'cards'].includes(text(r.type)) ? <p className="bubble muted">unknown response type {text(r.type)}</p> : null}
            {problem ? <span className="flag">⚠ {problem}</span> : null}
            <span className="delay small muted">{typeof r.delay === 'number' ? `after ${r.delay} ms` : ''}</span>
          </li>
        );
      })}
    </ol>
  );
}
