import { type Dispatch, type SetStateAction, useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../client.js';
import type { LiveFeed } from '../state/live-feed.js';
import { Reloader } from '../state/reloader.js';
import { useFeedStatus } from './use-feed.js';

export interface Reloaded<T> {
  readonly value: T;
  readonly setValue: Dispatch<SetStateAction<T>>;
  readonly error: string | undefined;
  /** Ask for a reload; bursts are coalesced (see Reloader). */
  readonly request: () => void;
  /** Reload at once (a key press). */
  readonly reload: () => Promise<void>;
}

/**
 * A value fetched from the server, loaded on mount and again after every
 * reconnect of the event stream (events may have been missed meanwhile);
 * the caller decides which events call `request()`.
 */
export function useReloaded<T>(
  load: () => Promise<T>,
  initial: T,
  feed: LiveFeed,
  pace: { debounceMs: number; minIntervalMs: number },
): Reloaded<T> {
  const [value, setValue] = useState<T>(initial);
  const [error, setError] = useState<string>();
  const reloader = useRef<Reloader>(undefined);
  reloader.current ??= new Reloader(async () => {
    try {
      setValue(await load());
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    }
  }, pace);
  useEffect(() => {
    const r = reloader.current!;
    void r.now();
    return () => r.stop();
  }, []);
  const { generation } = useFeedStatus(feed);
  useEffect(() => {
    if (generation > 0) void reloader.current!.now();
  }, [generation]);
  const request = useCallback(() => reloader.current!.request(), []);
  const reload = useCallback(() => reloader.current!.now(), []);
  return { value, setValue, error, request, reload };
}
