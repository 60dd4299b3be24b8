import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { defineFlow, flowTypes } from '../../flows/kit/define.js';
import { reply } from '../../flows/kit/effects.js';
import { testEveryPath } from '../../flows/kit/testing.js';
import { defaultRegistry, FlowRegistry } from '../../flows/registry.js';

// Every registered flow is walked: a flow added to the registry is tested here without a line more.
const registered = defaultRegistry().list();

describe('every path of every registered flow', () => {
  it.each(registered.map((f) => [f.name, f] as const))(
    'every path of the %s flow ends in a reply, a handoff or a resolution without throwing',
    (_name, flow) => {
      expect(testEveryPath(flow).paths).toBeGreaterThan(0);
    },
  );

  it('a flow with a path that leaves the customer unanswered is reported', () => {
    const silent = defineFlow({
      name: 'silent',
      description: 'never answers',
      machine: setup({ types: flowTypes<Record<string, never>>() }).createMachine({
        context: {},
        initial: 'a',
        states: { a: { on: { 'customer.message': 'b' } }, b: {} },
      }),
    });
    expect(() => testEveryPath(silent)).toThrow(/neither replied, handed off nor resolved/);
  });
});

describe('the flow registry', () => {
  it('knows the shipped flows and picks care by default', () => {
    const registry = defaultRegistry();
    expect(registry.names()).toEqual(expect.arrayContaining(['care', 'opening-hours']));
    expect(registry.flowFor('telegram')).toBe('care');
    registry.useForChannel('devchat', 'opening-hours');
    expect(registry.flowFor('devchat')).toBe('opening-hours');
    expect(() => registry.require('nope')).toThrow(/No flow named "nope"\. Known flows: .*\bcare\b/);
  });

  it('a flow registered as docs/flows.md shows is listed, found, and can start a channel’s conversations', () => {
    const echo = defineFlow({
      name: 'echo',
      description: 'says hello',
      machine: setup({ types: flowTypes<Record<string, never>>() }).createMachine({
        context: {},
        on: { 'customer.message': { actions: reply('hello') } },
      }),
    });
    const registry = new FlowRegistry('care').register(...defaultRegistry().list(), echo);
    registry.useForChannel('devchat', 'echo');
    expect(registry.names()).toContain('echo');
    expect(registry.flowFor('devchat')).toBe('echo');
    expect(registry.flowFor('telegram')).toBe('care');
    expect(registry.get('echo')).toBe(echo.machine);
    expect(testEveryPath(echo).paths).toBeGreaterThan(0);
  });
});
