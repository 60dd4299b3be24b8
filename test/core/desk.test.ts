import { describe, expect, it } from 'vitest';
import { Desk, type Logger, MemoryStore, silentLogger } from '../../core/index.js';

describe('the desk’s background work', () => {
  it('logs a failure instead of letting it take the process down as an unhandled rejection', async () => {
    const errors: Array<{ obj: unknown; msg: unknown }> = [];
    const logger: Logger = { ...silentLogger, error: (obj: unknown, msg?: unknown) => void errors.push({ obj, msg }) };
    const store = new MemoryStore();
    await store.open();
    const desk = new Desk({ store, logger });
    desk.track(Promise.reject(new Error('disk full')));
    desk.track(Promise.resolve());
    await desk.idle();
    expect(errors).toHaveLength(1);
    const logged = errors[0]?.obj as { err?: unknown } | undefined;
    expect(String(logged?.err)).toMatch(/disk full/);
  });
});
