import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A path router on the History API: every console page has its own address under /console. */
const NAVIGATED = 'sendflow:navigate';

export function navigate(to: string): void {
  history.pushState(null, '', to);
  dispatchEvent(new Event(NAVIGATED));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    addEventListener(NAVIGATED, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(NAVIGATED, update);
    };
  }, []);
  return path;
}

export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
