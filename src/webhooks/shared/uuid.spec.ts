import { randomBytes, randomUUID } from 'node:crypto';
import { botBoundUuid, isBoundTo, uuidVersion } from './uuid';

const key = randomBytes(32);
const bot = '65a1b2c3d4e5f60718293a4b';
const otherBot = '65a1b2c3d4e5f60718293a4c';

describe('bot-bound webhook ids', () => {
  it('are version 8 UUIDs of the RFC variant that tell their bot', () => {
    const id = botBoundUuid(key, bot);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidVersion(id)).toBe(8);
    expect(isBoundTo(key, id, bot)).toBe(true);
    expect(isBoundTo(key, id, otherBot)).toBe(false);
    expect(isBoundTo(randomBytes(32), id, bot)).toBe(false);
  });

  it('refuse any changed digit, random v4 ids, and differ each time', () => {
    const id = botBoundUuid(key, bot);
    for (let i = 0; i < id.length; i++) {
      if (id[i] === '-' || i === 14) continue;
      const changed = id.slice(0, i) + (id[i] === '0' ? '1' : '0') + id.slice(i + 1);
      expect(isBoundTo(key, changed, bot)).toBe(false);
    }
    expect(isBoundTo(key, randomUUID(), bot)).toBe(false);
    expect(new Set(Array.from({ length: 1000 }, () => botBoundUuid(key, bot))).size).toBe(1000);
  });
});
