/** A body as it was sent or stored: JSON pretty-printed when it parses, else the text as it is. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  let text: string;
  if (typeof value === 'string') {
    try {
      text = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      text = value;
    }
  } else text = JSON.stringify(value, null, 2);
  return (
    <pre className="code" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}
