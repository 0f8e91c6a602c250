import { QueueFilters, QueuePaging } from './queue-filters';

const none = QueueFilters.from({});
const overdue = QueueFilters.from({ timeliness: 'overdue', procedure: ' 2.000123 ', junk: 'x' });

describe('queue filters and paging links', () => {
  it('keeps the known filters only, trimmed, in a fixed order', () => {
    expect(QueueFilters.queryString(overdue)).toBe('procedure=2.000123&timeliness=overdue');
    expect(QueueFilters.active(overdue)).toBe(true);
    expect(QueueFilters.active(none)).toBe(false);
    expect(QueueFilters.given({ code: 'H15' })).toBe(false);
    expect(QueueFilters.given({ status: '' })).toBe(true);
  });

  it('walks forward and back over the service cursors, keeping the filters in every link', () => {
    const first = QueuePaging.from({});
    expect(first.number).toBe(1);
    expect(first.previousHref(overdue, '')).toBeNull();
    expect(first.nextHref(overdue, '', 'C2')).toBe('/console/queue?procedure=2.000123&timeliness=overdue&cursor=C2');
    const second = QueuePaging.from({ cursor: 'C2' });
    expect(second.number).toBe(2);
    expect(second.previousHref(overdue, '')).toBe('/console/queue?procedure=2.000123&timeliness=overdue');
    expect(second.nextHref(none, '', 'C3')).toBe('/console/queue?cursor=C3&prev=C2');
    const third = QueuePaging.from({ cursor: 'C3', prev: 'C2' });
    expect(third.number).toBe(3);
    expect(third.previousHref(none, 'H15')).toBe('/console/queue?code=H15&cursor=C2');
    expect(third.nextHref(none, '', 'C4')).toBe('/console/queue?cursor=C4&prev=C2.C3');
  });
});
