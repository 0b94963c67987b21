import { randomUUID } from 'node:crypto';
import { idsTimeRange, idTimeRange, uuidv7 } from './ids';

const HOUR_MS = 60 * 60 * 1000;

describe('the time range of an id', () => {
  it('holds the UUIDv7 id’s own millisecond, an hour either side', () => {
    const at = Date.parse('2026-12-01T23:59:59.999Z');
    const [from, to] = idTimeRange(uuidv7(at)) as [Date, Date];
    expect([from.getTime(), to.getTime()]).toEqual([at - HOUR_MS, at + HOUR_MS]);
  });

  it('is the whole of time for an id of another version', () => {
    expect(idTimeRange(randomUUID())).toEqual(['-infinity', 'infinity']);
  });

  it('spans every id of a list, or the whole of time when one of them is not a UUIDv7', () => {
    const early = Date.parse('2026-11-30T10:00:00Z');
    const late = Date.parse('2026-12-01T10:00:00Z');
    const [from, to] = idsTimeRange([uuidv7(late), uuidv7(early)]) as [Date, Date];
    expect([from.getTime(), to.getTime()]).toEqual([early - HOUR_MS, late + HOUR_MS]);
    expect(idsTimeRange([uuidv7(late), randomUUID()])).toEqual(['-infinity', 'infinity']);
  });
});
