/**
 * The screens' actions are types derived from the key table: these checks
 * fail `tsc` (not only vitest) when a screen's handlers and its keys part.
 */
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { AppAction, OwnAction } from '../../tui/keymap.js';
import { type ActionHandlers, screenActions } from '../../tui/screens/types.js';

const nothing = (): void => undefined;

describe('actions typed from the key table', () => {
  it("the conversation screen's actions are its table's, less what the App does (back, help, quit…)", () => {
    expectTypeOf<OwnAction<'conversation'>>().toEqualTypeOf<
      | 'reply'
      | 'note'
      | 'whisper'
      | 'canned'
      | 'resend'
      | 'open-file'
      | 'attach'
      | 'claim'
      | 'takeover'
      | 'barge'
      | 'transfer'
      | 'handback'
      | 'resolve'
      | 'scroll-up'
      | 'scroll-down'
      | 'page-up'
      | 'page-down'
      | 'bottom'
      | 'refresh'
    >();
    expectTypeOf<'back'>().toExtend<AppAction>();
    expectTypeOf<'quit'>().toExtend<AppAction>();
  });

  it('a misspelt or missing handler does not compile', () => {
    // @ts-expect-error `refesh` is no action of the dashboard
    const typo: ActionHandlers<'dashboard'> = { since: nothing, refresh: nothing, refesh: nothing };
    // @ts-expect-error `refresh` is not handled
    const missing: ActionHandlers<'dashboard'> = { since: nothing };
    expect([typo, missing]).toHaveLength(2);
  });

  it("the App's call reaches the screen's handler with the command's arguments; another screen's action does nothing", () => {
    const since = vi.fn();
    const handler = screenActions<'dashboard'>({ since, refresh: nothing });
    handler('since', '30d');
    handler('claim', '');
    expect(since.mock.calls).toEqual([['30d']]);
  });
});
