import { sentenceFor } from '../session/session';

/** A failed request, said as a sentence; nothing shows while there is none. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {sentenceFor(error)}
    </p>
  );
}
