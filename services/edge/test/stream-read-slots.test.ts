import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { StreamReadSlots, type ReleaseSlot } from '../src/resume/stream-read-slots.js';

/** The scheduler alone, without processes: who reads the stream when, per connection, address and edge. */
describe('StreamReadSlots', () => {
  /** Requests a slot and records when (and whether) it was granted. */
  function request(slots: StreamReadSlots, address: string, connection: object = {}, cancelled = () => false) {
    const entry = { address, granted: false, release: null as ReleaseSlot | null, dropped: false };
    void slots.acquire(address, connection, cancelled).then((release) => {
      entry.granted = release !== null;
      entry.dropped = release === null;
      entry.release = release;
    });
    return entry;
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('limits one address to its share while another starts at once', async () => {
    const slots = new StreamReadSlots({ total: 4, perAddress: 2 });
    const storm = Array.from({ length: 10 }, () => request(slots, '10.0.0.1'));
    const other = request(slots, '10.0.0.2');
    await settle();
    assert.equal(storm.filter((r) => r.granted).length, 2);
    assert.equal(other.granted, true);
    assert.deepEqual([slots.running, slots.waiting], [3, 8]);
  });

  it('grants free slots to the waiting addresses in turn, not in arrival order', async () => {
    const slots = new StreamReadSlots({ total: 2, perAddress: 2 });
    const a = Array.from({ length: 4 }, () => request(slots, 'a'));
    const b = Array.from({ length: 2 }, () => request(slots, 'b'));
    const c = request(slots, 'c');
    await settle();
    assert.deepEqual(a.map((r) => r.granted), [true, true, false, false]);
    a[0]!.release!();
    a[1]!.release!();
    await settle();
    // Arrival order would give both to `a` again.
    assert.equal(b[0]!.granted, true);
    assert.equal(c.granted, true);
    assert.equal(a[2]!.granted, false);
    b[0]!.release!();
    await settle();
    assert.equal(a[2]!.granted, true, 'a, whose turn it is after b and c');
  });

  it('runs one read at a time per connection', async () => {
    const slots = new StreamReadSlots({ total: 8, perAddress: 8 });
    const connection = {};
    const first = request(slots, 'a', connection);
    const second = request(slots, 'a', connection);
    const other = request(slots, 'a');
    await settle();
    assert.deepEqual([first.granted, second.granted, other.granted], [true, false, true]);
    first.release!();
    first.release!();
    await settle();
    assert.equal(second.granted, true);
    assert.equal(slots.running, 2, 'releasing twice gives back one slot');
  });

  it('drops a waiting read whose connection went away', async () => {
    const changes: Array<[number, number]> = [];
    const slots = new StreamReadSlots({ total: 1, perAddress: 1 }, (running, waiting) => changes.push([running, waiting]));
    const first = request(slots, 'a');
    let gone = false;
    const leaving = request(slots, 'b', {}, () => gone);
    const staying = request(slots, 'c');
    await settle();
    gone = true;
    first.release!();
    await settle();
    assert.equal(leaving.dropped, true);
    assert.equal(staying.granted, true);
    assert.deepEqual(changes.at(-1), [1, 0]);
  });
});
