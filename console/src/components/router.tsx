import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

const BASE = '/console';

/** The page's path below /console, following links and the back button without a reload. */
export function usePath(): string {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const update = () => setPath(current());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}

function current(): string {
  const path = window.location.pathname.slice(BASE.length) || '/';
  return path === '/' ? '/bots' : path;
}

export function navigate(path: string): void {
  window.history.pushState(null, '', BASE + path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** A real link (opens in a new tab too) that moves within the page. */
export function Link({ to, children, current }: { to: string; children: ReactNode; current?: boolean }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={BASE + to} onClick={click} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}
