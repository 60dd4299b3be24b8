import { describe, expect, it } from 'vitest';
import { liveWaitEstimator } from '../../../core/engine/wait.js';
import { type Setup, setup } from '../queue/helpers.js';

const MIN = 60_000;
const estimate = liveWaitEstimator();

/** A case from the desk's history: queued, claimed by `agent` after `waited` minutes, resolved `handled` minutes later. */
async function pastCase(s: Setup, agent: string, waited: number, handled: number): Promise<void> {
  const past = await s.say('u0', 'hello');
  await s.human.handoff(past);
  s.clock.advance(waited * MIN);
  await s.human.claim(past, agent);
  s.clock.advance(handled * MIN);
  await s.human.resolve(past, agent);
}

describe('the expected wait a customer is told on handoff', () => {
  it('is about as long as recent cases waited to be claimed while an online agent has room', async () => {
    const s = await setup();
    const ann = await s.agent('Ann', { capacity: 2 });
    await pastCase(s, ann, 3, 20);

    const wait = await estimate(s.desk.store, s.clock.now());
    expect(wait).toMatchObject({ minutes: 3, queueLength: 0, open: true });
  });

  it('counts the cases ahead beyond the free seats at the recent pace once every agent is full', async () => {
    const s = await setup();
    const ann = await s.agent('Ann', { capacity: 1 });
    // Its 5 minutes of waiting are not handling time.
    await pastCase(s, ann, 5, 10);
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
