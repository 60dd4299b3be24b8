import { describe, expect, it } from 'vitest';
import { careFlow } from '../../flows/care/flow.js';
import { openingHoursFlow } from '../../flows/examples/opening-hours.js';
import { testEveryPath } from '../../flows/kit/testing.js';
import { defaultRegistry } from '../../flows/registry.js';

describe('every path of the shipped flows', () => {
  it('every path of the care flow ends in a reply, a handoff or a resolution without throwing', () => {
    const report = testEveryPath(careFlow);
    expect(report.paths).toBeGreaterThan(10);
  });

  it('every path of the opening-hours example ends in a reply, a handoff or a resolution', () => {
    expect(testEveryPath(openingHoursFlow).paths).toBeGreaterThan(3);
  });

  it('a flow with a path that leaves the customer unanswered is reported', async () => {
    const { setup } = await import('xstate');
    const { defineFlow, flowTypes } = await import('../../flows/kit/define.js');
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

  it('the registry knows the shipped flows and picks care by default', () => {
    const registry = defaultRegistry();
    expect(registry.names()).toEqual(['care', 'opening-hours']);
    expect(registry.flowFor('telegram')).toBe('care');
    registry.useForChannel('devchat', 'opening-hours');
    expect(registry.flowFor('devchat')).toBe('opening-hours');
    expect(() => registry.require('nope')).toThrow(/Known flows: care, opening-hours/);
  });
});
