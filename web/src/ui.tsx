import { cloneElement, useCallback, useEffect, useId, useRef, useState, type ReactElement, type ReactNode } from 'react';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(
    () =>
      load().then(
        (d) => {
          setData(d);
          setError(null);
        },
        (e: Error) => setError(e.message),
      ),
    // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's list for `load`, as with useEffect itself
    deps,
  );
  useEffect(() => {
    void reload();
    if (!pollMs) return;
    const t = setInterval(() => void reload(), pollMs);
    return () => clearInterval(t);
  }, [reload, pollMs]);
  return { data, error, reload };
}

export function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A labelled form control: <label for>, and the hint as its description. */
export function Field({ label, children, hint }: { label: string; children: ReactElement<Record<string, unknown>>; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, ...(hint ? { 'aria-describedby': `${id}-hint` } : {}) })}
      {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
    </div>
  );
}

/** Runs an async action, showing "working" and its error or result message. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const run = async (f: (() => Promise<string>) | (() => Promise<void>)) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const m = await f();
      if (m) setMessage(m);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, run, status: <ActionStatus message={message} error={error} /> };
}

/** useAction's result line. A component of its own: one defined inside the hook would be a new type each render, remounting its subtree. */
function ActionStatus({ message, error }: { message: string | null; error: string | null }) {
  return (
    <>
      {message ? (
        <p className="ok" role="status">
          {message}
        </p>
      ) : null}
      <ErrorNote error={error} />
    </>
  );
}

/**
 * A wide table's frame: it scrolls sideways on a narrow screen, and then takes the keyboard
 * focus so it can be scrolled without a mouse (only then: a table that fits is no tab stop).
 */
export function TableWrap({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setScrolls(el.scrollWidth > el.clientWidth);
    measure();
    const watch = new ResizeObserver(measure);
    watch.observe(el);
    if (el.firstElementChild) watch.observe(el.firstElementChild);
    return () => watch.disconnect();
  }, []);
  return (
    // Focusable only while it scrolls: then it must be reachable by keyboard (WCAG 2.1.1).
    <div className="table-wrap" ref={ref} tabIndex={scrolls ? 0 : undefined}>
      {children}
    </div>
  );
}
