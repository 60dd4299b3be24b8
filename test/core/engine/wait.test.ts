import { describe, expect, it } from 'vitest';
import { liveWaitEstimator } from '../../../core/engine/wait.js';
import { setup } from '../queue/helpers.js';

const MIN = 60_000;
const estimate = liveWaitEstimator();

describe('the expected wait a customer is told on handoff', () => {
  it('is about as long as recent cases waited to be claimed while an online agent has room', async () => {
    const s = await setup();
    const ann = await s.agent('Ann', { capacity: 2 });
    // History: a case waited 3 minutes to be claimed and took 20 to handle.
    const past = await s.say('u0', 'hello');
    await s.human.handoff(past);
    s.clock.advance(3 * MIN);
    await s.human.claim(past, ann);
    s.clock.advance(20 * MIN);
    await s.human.resolve(past, ann);

    const wait = await estimate(s.desk.store, s.clock.now());
    expect(wait).toMatchObject({ minutes: 3, queueLength: 0, open: true });
  });

  it('counts the cases ahead beyond the free seats at the recent pace once every agent is full', async () => {
    const s = await setup();
    const ann = await s.agent('Ann', { capacity: 1 });
    // It waited 5 minutes, which is not handling time, and took 10 to handle.
    const past = await s.say('u0', 'hello');
    await s.human.handoff(past);
    s.clock.advance(5 * MIN);
    await s.human.claim(past, ann);
    s.clock.advance(10 * MIN);
    await s.human.resolve(past, ann);
    // Ann is busy with one case, two more wait: the next customer is third in line for one seat.
    const busy = await s.say('u1', 'hello');
    await s.human.handoff(busy);
    await s.human.claim(busy, ann);
    for (const u of ['u2', 'u3']) await s.human.handoff(await s.say(u, 'hello'));

    const wait = await estimate(s.desk.store, s.clock.now());
    expect(wait).toMatchObject({ minutes: 30, queueLength: 2 });
  });

  it('with nobody online, counts the team as one seat at the default pace', async () => {
    const s = await setup();
    await s.human.handoff(await s.say('u1', 'hello'));
    expect(await estimate(s.desk.store, s.clock.now())).toMatchObject({ minutes: 12, queueLength: 1 });
  });
});
