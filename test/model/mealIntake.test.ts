import { describe, expect, it } from 'vitest';
import { MealIntake } from '../../src/model/mealIntake.js';

describe('meal intake and meal memory (docs/model.md §1)', () => {
  it('eats a meal at its rate and remembers the stomach content at the start', () => {
    const intake = new MealIntake(0);
    expect(intake.dbarMg()).toBe(0);
    intake.add(12, 5);
    expect(intake.startsEatingNextMinute()).toBe(true);
    expect(intake.eatMinute(1000)).toBe(5);
    expect(intake.dbarMg()).toBe(1000 + 5000);
    expect(intake.startsEatingNextMinute()).toBe(false);
    expect(intake.eatMinute(99999)).toBe(5);
    expect(intake.eatMinute(99999)).toBe(2);
    expect(intake.dbarMg()).toBe(1000 + 12000);
    expect(intake.eatMinute(99999)).toBe(0);
    // Memory stays until the next meal starts.
    expect(intake.dbarMg()).toBe(13000);
  });

  it('queues a meal that starts while another is eaten: no new start, same rate budget', () => {
    const intake = new MealIntake(0);
    intake.add(7, 5);
    expect(intake.eatMinute(500)).toBe(5);
    intake.add(6, 5);
    // 2 g left of the first meal and 3 g of the second in the same minute, as the reference's single queue.
    expect(intake.startsEatingNextMinute()).toBe(false);
    expect(intake.eatMinute(123)).toBe(5);
    expect(intake.eatMinute(123)).toBe(3);
    expect(intake.dbarMg()).toBe(500 + 13000);
    expect(intake.eatMinute(123)).toBe(0);
    intake.add(10, 10);
    expect(intake.startsEatingNextMinute()).toBe(true);
    expect(intake.eatMinute(42)).toBe(10);
    expect(intake.dbarMg()).toBe(42 + 10000);
  });

  it('rejects a non-positive eating rate', () => {
    expect(() => new MealIntake(0).add(10, 0)).toThrow(RangeError);
  });
});
