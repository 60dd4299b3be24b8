import { type Key, useInput, useStdin } from 'ink';
import { useCallback, useContext, useLayoutEffect, useRef } from 'react';
import { keyName } from '../keymap.js';
import { type KeyHandler, type KeyOwner, KeyRouter, KeyRouterContext } from '../state/key-router.js';

export type { KeyHandler };

/**
 * The keys, while `active`: through the App's KeyRouter (one reader, one
 * owner at a time, chunks taken apart), or straight from Ink when there is
 * no router (a widget rendered alone). The handler is read through a ref,
 * so a key never meets a previous render's handler. `text`: printable runs
 * come whole (text inputs).
 */
export function useKeys(handler: KeyHandler, active = true, text = false): void {
  const router = useContext(KeyRouterContext);
  const ref = useRef(handler);
  ref.current = handler;
  const activeRef = useRef(active);
  activeRef.current = active;
  const owner = useRef<KeyOwner>(undefined);
  // Layout effects run as React commits, before the next key is taken from the queue.
  useLayoutEffect(() => {
    if (!router) return;
    const o = router.add(ref, text, activeRef.current);
    owner.current = o;
    return () => router.remove(o);
  }, [router, text]);
  useLayoutEffect(() => {
    if (router && owner.current) router.setActive(owner.current, active);
  }, [router, active]);
  // After every commit of this component: what the last key changed here is drawn (KeyRouter.drawn).
  useLayoutEffect(() => {
    router?.drawn();
  });
  const { isRawModeSupported } = useStdin();
  useInput((input: string, key: Key) => ref.current(keyName(input, key), input, key), {
    isActive: !router && active && isRawModeSupported === true,
  });
}

/** Keys wait for the owner a state change is about to draw (see KeyRouter.hold); a no-op without a router. */
export function useHoldKeys(): () => void {
  const router = useContext(KeyRouterContext);
  return useCallback(() => router?.hold(), [router]);
}

/** The App's single reader of the keyboard. */
export function useKeyRouter(): KeyRouter {
  const router = useRef<KeyRouter>(undefined);
  router.current ??= new KeyRouter();
  const r = router.current;
  const { isRawModeSupported } = useStdin();
  useInput((input, key) => r.push(input, key), { isActive: isRawModeSupported === true });
  useLayoutEffect(() => () => r.stop(), [r]);
  return r;
}
