import { describe, expect, it } from 'vitest';
import { hourlyVolume } from '../../../core/kpi/volume.js';
import { setup } from '../queue/helpers.js';

const HOUR = 3_600_000;

describe('hourly volume', () => {
  it('counts customer messages in and replies out per hour for the last 12 hours, notes left out, empty hours as zeros', async () => {
    const s = await setup();
    const ann = await s.agent('Ann');
    const old = await s.say('old', 'thirteen hours ago');
    await s.human.handoff(old);
    s.clock.advance(13 * HOUR);
    const id = await s.say('ada', 'hello');
    await s.say('ada', 'anyone?');
    await s.human.handoff(id);
    await s.human.claim(id, ann);
    await s.human.reply(id, ann, 'Hi Ada');
    await s.human.note(id, ann, 'a note is not traffic');
    s.clock.advance(HOUR);

    const volume = await hourlyVolume(s.desk.store, s.clock.now());
    expect(volume).toHaveLength(12);
    expect(volume[11]).toEqual({ hour: '2026-01-05T23:00:00.000Z', inbound: 0, outbound: 0 });
    expect(volume[10]).toEqual({ hour: '2026-01-05T22:00:00.000Z', inbound: 2, outbound: 1 });
    expect(volume.slice(0, 10).every((v) => v.inbound === 0 && v.outbound === 0)).toBe(true);
    expect((await hourlyVolume(s.desk.store, s.clock.now(), 24)).reduce((n, v) => n + v.inbound, 0)).toBe(3);
  });
});
