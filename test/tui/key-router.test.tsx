import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useKeyRouter, useKeys } from '../../tui/hooks/use-keys.js';
import { KeyRouter, KeyRouterContext } from '../../tui/state/key-router.js';
import { keyboardReady } from './helpers/render-app.js';

/** A list whose keys read this render's state, as the screens do; every key costs `busyMs`, as on a loaded machine. */
function Picker(props: { busyMs: number; onOpen: (row: number) => void }): React.JSX.Element {
  const [selected, setSelected] = useState(0);
  useKeys((name) => {
    const until = performance.now() + props.busyMs;
    while (performance.now() < until) {
      // A slow machine: the key takes this long to handle.
    }
    if (name === 'j') setSelected(selected + 1);
    if (name === 'enter') props.onOpen(selected);
  });
  return <Text>{`row ${selected}`}</Text>;
}

function Root(props: { busyMs: number; onOpen: (row: number) => void }): React.JSX.Element {
  const router = useKeyRouter();
  return (
    <KeyRouterContext.Provider value={router}>
      <Picker {...props} />
    </KeyRouterContext.Provider>
  );
}

describe('the key router', () => {
  it('hands over each key typed ahead only once the previous one is drawn, however slow the machine', async () => {
    for (const busyMs of [0, 5]) {
      const opened: number[] = [];
      const ui = render(<Root busyMs={busyMs} onOpen={(row) => opened.push(row)} />);
      await keyboardReady(ui.stdin);
      ui.stdin.write('jjj\r');
      await vi.waitFor(() => expect(opened).toHaveLength(1), { timeout: 2000 });
      expect(opened).toEqual([3]);
      expect(ui.lastFrame()).toContain('row 3');
      ui.unmount();
    }
  });

  it('a key read on its own, before React drew the one before, waits for that draw: "e" then enter submits the e', async () => {
    const router = new KeyRouter();
    const handled: string[] = [];
    router.add({ current: (name) => handled.push(name) }, true, true);
    const noKey = { return: false, escape: false, ctrl: false, backspace: false, delete: false, tab: false } as never;
    router.push('e', noKey);
    router.push('\r', { ...(noKey as object), return: true } as never);
    expect(handled).toEqual(['e']);
    router.drawn();
    await new Promise((r) => setImmediate(r));
    expect(handled).toEqual(['e', 'enter']);
    router.stop();
  });
});
