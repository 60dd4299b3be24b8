/**
 * One reader of the keyboard for the whole TUI, handing each key to the one
 * component that owns the keys now (the screen, the help, a text input…).
 *
 * Why not a useInput per component: Ink hands keys typed faster than it
 * reads them (a paste, tmux send-keys "jj" Enter) over as one string, and a
 * state change from the first key is drawn only after the handler returns.
 * Here such a chunk is taken apart and fed one key at a time, each once
 * React has drawn what the previous one changed (the key owners say so from
 * their layout effects), so each key meets the handlers and state the
 * previous one left:
 * "/", "lang:it", enter opens the filter, types into it and applies it. A
 * text input gets runs of printable characters whole (a paste stays fast).
 *
 * A key that changes who owns the keys (":" opens the command line) calls
 * `hold()`: keys arriving before the new owner is drawn wait for it instead
 * of reaching the old one, however slow the machine is.
 */
import type { Key } from 'ink';
import { createContext } from 'react';
import { charName, keyName } from '../keymap.js';

export type KeyHandler = (name: string, input: string, key: Key) => void;

export interface KeyOwner {
  readonly handler: { current: KeyHandler };
  /** Takes runs of printable characters whole. */
  readonly text: boolean;
  active: boolean;
  /** When it last became active; the latest active owner gets the keys. */
  activatedAt: number;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

type Pending = { readonly input: string; readonly key?: Key };

/** How long the next key waits for a draw that does not come: the last key changed nothing on screen. */
const DRAW_WAIT_MS = 30;

// Printable: not C0, not DEL; a run of these is text.
const PRINTABLE_RUN = /^[^\x00-\x1f\x7f]+/;

export class KeyRouter {
  readonly #owners = new Set<KeyOwner>();
  readonly #queue: Pending[] = [];
  #clock = 0;
  /** A key was handed over and the next waits for React to draw its effect (see #afterDraw). */
  #waiting = false;
  #fallback: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #holding: NodeJS.Timeout | undefined;

  add(handler: { current: KeyHandler }, text: boolean, active: boolean): KeyOwner {
    const owner: KeyOwner = { handler, text, active, activatedAt: active ? ++this.#clock : 0 };
    this.#owners.add(owner);
    if (active) this.#release();
    return owner;
  }

  remove(owner: KeyOwner): void {
    this.#owners.delete(owner);
  }

  setActive(owner: KeyOwner, active: boolean): void {
    const activated = active && !owner.active;
    if (activated) owner.activatedAt = ++this.#clock;
    owner.active = active;
    if (activated) this.#release();
  }

  /** Keys wait until an owner becomes active (the input or screen being opened), at most `maxMs`. */
  hold(maxMs = 1000): void {
    clearTimeout(this.#holding);
    this.#holding = setTimeout(() => this.#release(), maxMs);
  }

  #release(): void {
    if (!this.#holding) return;
    clearTimeout(this.#holding);
    this.#holding = undefined;
    if (this.#queue.length > 0 && !this.#waiting) this.#next();
  }

  /**
   * A component that owns keys has just committed a render (its layout
   * effect): whatever the last key changed is drawn, so the next key may go.
   */
  drawn(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    clearTimeout(this.#fallback);
    if (this.#queue.length > 0) this.#next();
  }

  /** What Ink read: one key (parsed by Ink), or a run of characters typed ahead. */
  push(input: string, key: Key): void {
    const chars = Array.from(input);
    this.#queue.push(chars.length > 1 && !input.includes('\x1b') ? { input } : { input, key });
    if (this.#queue.length === 1 && !this.#waiting && !this.#immediate && !this.#holding) this.#drain();
  }

  stop(): void {
    clearImmediate(this.#immediate);
    clearTimeout(this.#holding);
    clearTimeout(this.#fallback);
    this.#holding = undefined;
    this.#immediate = undefined;
    this.#waiting = false;
    this.#queue.length = 0;
  }

  #owner(): KeyOwner | undefined {
    let best: KeyOwner | undefined;
    for (const o of this.#owners) if (o.active && (!best || o.activatedAt > best.activatedAt)) best = o;
    return best;
  }

  /** The next key, on a later turn: not from inside the commit that said the last one is drawn. */
  #next(): void {
    if (this.#immediate) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#drain();
    });
  }

  /**
   * The next key waits until React has drawn what the last one changed
   * (`drawn()`, from the key owners' layout effects), or DRAW_WAIT_MS if the
   * key changed nothing. Any fixed delay lost that race on a busy machine: the
   * next key met the previous screen, and Enter opened the row before.
   */
  #afterDraw(): void {
    this.#waiting = true;
    clearTimeout(this.#fallback);
    this.#fallback = setTimeout(() => this.drawn(), DRAW_WAIT_MS);
  }

  #drain(): void {
    if (this.#holding) return;
    const next = this.#queue.shift();
    if (!next) return;
    const owner = this.#owner();
    if (next.key) {
      owner?.handler.current(keyName(next.input, next.key), next.input, next.key);
    } else {
      const run = owner?.text ? PRINTABLE_RUN.exec(next.input)?.[0] : undefined;
      const take = run ?? Array.from(next.input)[0]!;
      const rest = next.input.slice(take.length);
      if (rest) this.#queue.unshift({ input: rest });
      owner?.handler.current(run ? take : charName(take), take, NO_KEY);
    }
    // The next key waits until React has drawn what this one changed, also one typed after it but
    // before that draw (a busy machine): "e" then enter must submit "…e". A new owner (an input it
    // opened) registers as it commits.
    this.#afterDraw();
  }
}

export const KeyRouterContext = createContext<KeyRouter | undefined>(undefined);
