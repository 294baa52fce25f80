/**
 * How a virtual patient eats, and the meal memory that drives gastric
 * emptying (docs/model.md §1, "Meal memory"; the behaviour of the reference
 * implementation of the S2008 simulator).
 *
 * A meal is a number of grams eaten at a constant rate. Meals that start while
 * an earlier one is still being eaten queue behind it, and each minute eats up
 * to the current meal's rate from the queue. When eating starts (grams this
 * minute, none the minute before) the memory takes the stomach content
 * `lastQsto` and resets `lastFoodTaken`; while eating, each minute's grams are
 * added. Dbar = lastQsto + lastFoodTaken·1000 mg.
 */

/** Queue capacity: meals waiting to be eaten at once. */
const QUEUE_CAPACITY = 64;

export class MealIntake {
  private readonly gramsLeft = new Float64Array(QUEUE_CAPACITY);
  private readonly rateGPerMin = new Float64Array(QUEUE_CAPACITY);
  private head = 0;
  private count = 0;
  private eatingLastMinute = false;
  private lastQstoMg: number;
  private lastFoodTakenG = 0;

  /** `initialQstoMg`: stomach content Qsto1 + Qsto2 of the initial state. */
  constructor(initialQstoMg: number) {
    this.lastQstoMg = initialQstoMg;
  }

  /** Queue a meal of `grams` eaten at `rateGPerMin`. */
  add(grams: number, rateGPerMin: number): void {
    if (!(grams > 0)) return;
    if (!(rateGPerMin > 0)) throw new RangeError(`meal eating rate must be > 0 g/min, got ${rateGPerMin}`);
    if (this.count === QUEUE_CAPACITY) throw new RangeError(`more than ${QUEUE_CAPACITY} meals queued at once`);
    const slot = (this.head + this.count) % QUEUE_CAPACITY;
    this.gramsLeft[slot] = grams;
    this.rateGPerMin[slot] = rateGPerMin;
    this.count++;
  }

  /** True when the coming minute starts a meal, so the caller must supply the stomach content. */
  startsEatingNextMinute(): boolean {
    return !this.eatingLastMinute && this.count > 0;
  }

  /**
   * Eat this minute's grams and update the meal memory. `qstoMg` is the
   * current stomach content; it is read only when eating starts.
   * Returns the grams eaten in this minute.
   */
  eatMinute(qstoMg: number): number {
    if (this.count === 0) {
      this.eatingLastMinute = false;
      return 0;
    }
    if (!this.eatingLastMinute) {
      this.lastQstoMg = qstoMg;
      this.lastFoodTakenG = 0;
    }
    let budget = this.rateGPerMin[this.head];
    let eaten = 0;
    while (this.count > 0 && budget > 0) {
      const take = Math.min(budget, this.gramsLeft[this.head]);
      this.gramsLeft[this.head] -= take;
      eaten += take;
      budget -= take;
      if (this.gramsLeft[this.head] <= 1e-12) {
        this.head = (this.head + 1) % QUEUE_CAPACITY;
        this.count--;
      }
    }
    this.lastFoodTakenG += eaten;
    this.eatingLastMinute = true;
    return eaten;
  }

  /** Dbar = lastQsto + lastFoodTaken·1000, mg (docs/model.md §1). */
  dbarMg(): number {
    return this.lastQstoMg + this.lastFoodTakenG * 1000;
  }
}
