import { describe, expect, it } from 'vitest';
import { Departures, HELD, SharedDepartures, STALL_MS } from '../../src/pipeline/departures.js';
import { ManualClock, maxInWindow, MemoryDepartureStore, minGap, seeded, settle } from './spacing-helpers.js';

/** 40/s plus the gate's 0.25 ms guard. */
const SPACING = 25.25;

describe('Departures (one process)', () => {
  it('at 40/s with late timers and a stalled loop: never two departures closer than the spacing, never 41 in a second', async () => {
    const clock = new ManualClock();
    const random = seeded(7);
    // Timers up to 40 ms late; now and then the loop is blocked for up to 150 ms.
    clock.lateness = () => (random() < 0.2 ? random() * 40 : random() * 2);
    const departures = new Departures(SPACING, clock);
    const sent: number[] = [];
    const order: number[] = [];
    const outcomes: Array<Promise<unknown>> = [];
    let joined = 0;
    while (sent.length < 400) {
      // Callers join in bursts, as Bottleneck starts jobs (up to 4 at once after a stall).
      for (let k = Math.floor(random() * 4); k > 0 && joined < 400; k--) {
        const i = joined++;
        outcomes.push(departures.next(() => (sent.push(clock.now()), order.push(i), Promise.resolve(i))));
      }
      if (random() < 0.1) clock.stall(random() * 150);
      await clock.runUntil(clock.time + random() * 30);
    }
    await expect(Promise.all(outcomes)).resolves.toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(order).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(minGap(sent)).toBeGreaterThanOrEqual(SPACING);
    expect(maxInWindow(sent)).toBeLessThanOrEqual(40);
  });

  it('lets a request go at once when the spacing has passed, and measures the next one from when it left', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    const sent: number[] = [];
    const leave = () => (sent.push(clock.now()), Promise.resolve('ok'));
    await expect(departures.next(leave)).resolves.toBe('ok');
    clock.time = 10;
    // Due at 25.25; its timer fires 6 ms late, and the third is measured from then.
    clock.lateness = () => 6;
    const second = departures.next(leave);
    await settle();
    expect(sent).toEqual([0]);
    await clock.runUntil(40);
    await second;
    expect(sent).toEqual([0, 31.25]);
    clock.lateness = () => 0;
    const third = departures.next(leave);
    await clock.runUntil(100);
    await third;
    expect(sent).toEqual([0, 31.25, 56.5]);
  });

  it('a caller that gives its turn up (HELD) sends nothing and takes no spacing', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    const sent: number[] = [];
    await departures.next(() => (sent.push(clock.now()), Promise.resolve(1)));
    const held = departures.next(() => HELD);
    const after = departures.next(() => (sent.push(clock.now()), Promise.resolve(2)));
    await clock.runUntil(100);
    await expect(held).resolves.toBe(HELD);
    await expect(after).resolves.toBe(2);
    // The held one had its turn at 25.25 and gave it up: the next one left then too.
    expect(sent).toEqual([0, SPACING]);
  });

  it('counts a request whose start was held up from when its start ended', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    const sent: number[] = [];
    // The process is descheduled while the first request is being started.
    await departures.next(() => (clock.stall(STALL_MS + 8), sent.push(clock.now()), Promise.resolve(1)));
    const next = departures.next(() => (sent.push(clock.now()), Promise.resolve(2)));
    await clock.runUntil(100);
    await next;
    expect(sent).toEqual([10, 10 + SPACING]);
  });

  it('applies a new spacing to the request already waiting', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    const sent: number[] = [];
    await departures.next(() => (sent.push(clock.now()), Promise.resolve(1)));
    const next = departures.next(() => (sent.push(clock.now()), Promise.resolve(2)));
    await clock.runUntil(10);
    departures.spacingMs = 100;
    await clock.runUntil(200);
    await next;
    expect(sent).toEqual([0, 100]);
  });

  it('a leave that throws rejects its caller and still counts as a departure', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    const failed = departures.next((): Promise<never> => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    let at = -1;
    const next = departures.next(() => ((at = clock.now()), Promise.resolve(1)));
    await clock.runUntil(100);
    await next;
    expect(at).toBe(SPACING);
  });

  it('close(): waiting callers and later ones get HELD at once, without leaving', async () => {
    const clock = new ManualClock();
    const departures = new Departures(SPACING, clock);
    let left = 0;
    const leave = () => ((left += 1), Promise.resolve(1));
    await departures.next(leave);
    const waiting = [departures.next(leave), departures.next(leave)];
    await settle();
    departures.close();
    await expect(Promise.all(waiting)).resolves.toEqual([HELD, HELD]);
    await expect(departures.next(leave)).resolves.toBe(HELD);
    await clock.runUntil(1000);
    expect(left).toBe(1);
    expect(clock.pending).toBe(0);
  });
});

describe('SharedDepartures (processes sharing a limit through a store)', () => {
  it('two processes at 20/s, with answers up to 30 ms late and stalled processes: recorded departures never closer than the spacing, never 21 in a second', async () => {
    const spacing = 51.5; // 20/s plus the shared guard
    const clock = new ManualClock();
    const random = seeded(11);
    clock.lateness = () => (random() < 0.1 ? random() * 30 : random() * 2);
    const store = new MemoryDepartureStore(clock, 0.4);
    const processes = [new SharedDepartures(spacing, store, clock), new SharedDepartures(spacing, store, clock)];
    const sent: number[] = [];
    const outcomes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 120; i++) {
      const departures = processes[i % 2] as SharedDepartures;
      outcomes.push(departures.next(() => (sent.push(clock.now()), Promise.resolve(i))));
    }
    while (sent.length < 120) {
      if (random() < 0.1) clock.stall(random() * 100);
      await clock.runUntil(clock.time + random() * 40);
    }
    await Promise.all(outcomes);
    expect(store.departures).toHaveLength(120);
    expect(minGap(store.departures)).toBeGreaterThanOrEqual(spacing);
    expect(maxInWindow(store.departures)).toBeLessThanOrEqual(20);
    // What the provider sees: a request held up after its answer can come closer to the next one, but not into a burst.
    expect(maxInWindow(sent)).toBeLessThanOrEqual(20);
    // Those held up for longer than STALL_MS recorded their departure again.
    expect(store.relefts.length).toBeGreaterThan(0);
  });

  it('a process held up between the store’s answer and its request records its departure again, and the other waits from then', async () => {
    const clock = new ManualClock();
    const store = new MemoryDepartureStore(clock);
    const [a, b] = [new SharedDepartures(50, store, clock), new SharedDepartures(50, store, clock)] as const;
    const sent: Array<[string, number]> = [];
    // a is descheduled for 30 ms between the answer and its request.
    const first = a.next(() => (clock.stall(30), sent.push(['a', clock.now()]), Promise.resolve(1)));
    await clock.runUntil(0);
    await first;
    const second = b.next(() => (sent.push(['b', clock.now()]), Promise.resolve(2)));
    await clock.runUntil(200);
    await second;
    expect(store.relefts).toEqual([30]);
    expect(sent).toEqual([
      ['a', 30],
      ['b', 80],
    ]);
  });

  it('waits out a pause that another process put on', async () => {
    const clock = new ManualClock();
    const store = new MemoryDepartureStore(clock);
    store.pausedUntil = 1000;
    const departures = new SharedDepartures(50, store, clock);
    let at = -1;
    const done = departures.next(() => ((at = clock.now()), Promise.resolve(1)));
    await clock.runUntil(2000);
    await done;
    expect(at).toBe(1000);
  });

  it('a store that fails fails the request at the head, sending nothing; the next one asks again', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const store = new MemoryDepartureStore(clock);
    const flaky = {
      depart: (spacing: number) => (++calls === 1 ? Promise.reject(new Error('redis gone')) : store.depart(spacing)),
      left: () => store.left(),
    };
    const departures = new SharedDepartures(50, flaky, clock);
    let left = 0;
    const first = departures.next(() => ((left += 1), Promise.resolve(1)));
    const second = departures.next(() => ((left += 1), Promise.resolve(2)));
    await clock.runUntil(100);
    await expect(first).rejects.toThrow('redis gone');
    await expect(second).resolves.toBe(2);
    expect(left).toBe(1);
  });

  it('close(): waiting callers get HELD, including one waiting for its turn at the store', async () => {
    const clock = new ManualClock();
    const store = new MemoryDepartureStore(clock);
    const departures = new SharedDepartures(50, store, clock);
    let left = 0;
    const leave = () => ((left += 1), Promise.resolve(1));
    await clock.runUntil(0);
    const first = departures.next(leave);
    await clock.runUntil(0);
    await first;
    const waiting = departures.next(leave);
    await clock.runUntil(10);
    departures.close();
    await expect(waiting).resolves.toBe(HELD);
    await clock.runUntil(1000);
    expect(left).toBe(1);
  });
});
