// The one <Time> of the web app (words in time-words.ts).
import { serverNow } from './server-clock.js';
import { exactUtc, localTime, relativeTime } from './time-words.js';

/** A time as the viewer reads it, relative to the service's clock; "—" for none. `now` is for tests and lists that share one. */
export function Time({ iso, now }: { iso: string | null | undefined; now?: Date }) {
  if (!iso) return <>—</>;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return <>{iso}</>;
  const relative = relativeTime(at, now ?? serverNow());
  return (
    <time dateTime={at.toISOString()} title={exactUtc(at)}>
      {relative ?? localTime(at)}
    </time>
  );
}
