import { type Key, useInput, useStdin } from 'ink';
import { useCallback, useRef } from 'react';
import { charName, keyName } from '../keymap.js';

export type KeyHandler = (name: string, input: string, key: Key) => void;

/**
 * useInput with the traps of STACK-NOTES handled: it is only active when
 * stdin can be put in raw mode (`isRawModeSupported` is undefined, not
 * false, on a pipe), and the handler is read through a ref so that a key
 * arriving right after a render never meets the previous render's handler.
 *
 * Ink hands over keys typed faster than it reads them (or sent by tmux) as
 * one string: with `split` (the default) each character is a key of its own,
 * so "jj" moves two rows. Text inputs turn it off to receive pastes whole.
 */
export function useKeys(handler: KeyHandler, active = true, split = true): void {
  const { isRawModeSupported } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  const splitRef = useRef(split);
  splitRef.current = split;
  const stable = useCallback((input: string, key: Key) => {
    const chars = Array.from(input);
    if (splitRef.current && chars.length > 1 && !input.includes('\x1b')) {
      for (const ch of chars) ref.current(charName(ch), ch, key);
      return;
    }
    ref.current(keyName(input, key), input, key);
  }, []);
  useInput(stable, { isActive: active && isRawModeSupported === true });
}
