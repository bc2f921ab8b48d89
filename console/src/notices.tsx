/**
 * One polite live region for what an action did ("Sync queued"), so a screen
 * reader hears it and a person sees it, without a modal.
 */
import { useEffect, useState } from 'preact/hooks';

interface Notice {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

let nextId = 1;
const listeners = new Set<(notices: Notice[]) => void>();
let notices: Notice[] = [];

function publish(next: Notice[]): void {
  notices = next;
  for (const listener of listeners) listener(notices);
}

export function notify(text: string, kind: Notice['kind'] = 'info'): void {
  const notice = { id: nextId++, text, kind };
  publish([...notices.slice(-3), notice]);
  setTimeout(() => { publish(notices.filter((one) => one.id !== notice.id)); }, kind === 'error' ? 12_000 : 6_000);
}

export function Notices() {
  const [shown, setShown] = useState<Notice[]>(notices);
  useEffect(() => {
    listeners.add(setShown);
    return () => { listeners.delete(setShown); };
  }, []);
  return (
    <div class="notices" role="status" aria-live="polite">
      {shown.map((notice) => <p key={notice.id} class={`notice ${notice.kind}`}>{notice.text}</p>)}
    </div>
  );
}
