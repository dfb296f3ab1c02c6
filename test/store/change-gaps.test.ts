import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeGaps } from '../../src/store/postgres/change-gaps.js';

void describe('ChangeGaps', () => {
  void it('records skipped ids', () => {
    const gaps = new ChangeGaps('10');

    assert.equal(gaps.see('11', 100, false), true);
    assert.equal(gaps.see('14', 200, false), true);

    assert.equal(gaps.highest, '14');
    assert.deepEqual(gaps.skipped, ['12', '13']);
    assert.equal(gaps.oldestNoticedAt(), 200);
  });

  void it('a late id fills its gap once', () => {
    const gaps = new ChangeGaps('10');
    gaps.see('13', 100, false);

    assert.equal(gaps.see('12', 150, false), true);
    assert.equal(gaps.see('12', 160, false), false);
    assert.equal(gaps.see('13', 170, false), false);

    assert.deepEqual(gaps.skipped, ['11']);
    assert.equal(gaps.highest, '13');
  });

  void it('ids at or below the start are seen already', () => {
    const gaps = new ChangeGaps('10');

    assert.equal(gaps.see('10', 100, false), false);
    assert.equal(gaps.see('3', 100, false), false);
    assert.deepEqual(gaps.skipped, []);
  });

  void it('final reads record no gaps', () => {
    const gaps = new ChangeGaps('10');
    gaps.see('12', 100, false);

    assert.equal(gaps.see('20', 200, true), true);

    assert.deepEqual(gaps.skipped, ['11']);
    assert.equal(gaps.highest, '20');
  });

  void it('oldest notice time', () => {
    const gaps = new ChangeGaps('0');
    gaps.see('2', 300, false);
    gaps.see('4', 100, false);

    assert.equal(gaps.oldestNoticedAt(), 100);
    gaps.clear();
    assert.equal(gaps.oldestNoticedAt(), undefined);
    assert.equal(gaps.size, 0);
  });

  void it('skippedBy counts the ids in between', () => {
    const gaps = new ChangeGaps('10');

    assert.equal(gaps.skippedBy('11'), 0n);
    assert.equal(gaps.skippedBy('20'), 9n);
    assert.equal(gaps.skippedBy('5'), 0n);
  });

  void it('ids beyond 2^53 stay exact', () => {
    const gaps = new ChangeGaps('9007199254740993');

    gaps.see('9007199254740995', 100, false);

    assert.deepEqual(gaps.skipped, ['9007199254740994']);
    assert.equal(gaps.highest, '9007199254740995');
  });
});
