/**
 * History-API navigation: links are real <a href> (keyboard, middle-click and
 * "open in new tab" work), a plain click is handled in the page.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './model/route.ts';

export function currentRoute(): Route {
  return parseRoute(window.location.pathname, window.location.search);
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = (): void => { setRoute(currentRoute()); };
    window.addEventListener('popstate', changed);
    return () => { window.removeEventListener('popstate', changed); };
  }, []);
  return route;
}

interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  'aria-label'?: string;
}

export function Link(props: LinkProps) {
  const onClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
    window.scrollTo(0, 0);
  };
  return <a {...props} onClick={onClick}>{props.children}</a>;
}

/** A link to a commit's page when the server knew one, else the short id as text. */
export function CommitLink(props: { short: string; url?: string | undefined }) {
  if (!props.url) return <code class="sha">{props.short}</code>;
  return <a class="sha" href={props.url} rel="noopener noreferrer" target="_blank"><code>{props.short}</code></a>;
}
